//! Telling how far long work has got — an import, an export: (done, of) rows. The command line draws
//! a bar; the import page shows it while it polls.

use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Progress(pub Option<Arc<dyn Fn(usize, usize) + Send + Sync>>);

impl Progress {
    pub fn tell(&self, done: usize, of: usize) {
        if let Some(f) = &self.0 {
            f(done, of);
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Progress(on)" } else { "Progress(off)" })
    }
}
