//! Kê khai tài sản công: what each unit declares to the national public-asset database (Cơ sở dữ
//! liệu quốc gia về tài sản công) — the information its assets need beyond the register (`info`),
//! the national catalogues it is written in (`catalogue`), and the declaration reports (`forms`), declarations as records and the next one as a
//! difference (`record`), that difference as the national interface's change events (`events`),
//! revaluations (`revaluation`), and the national software's Excel layout in and out (`national`).

pub mod api;
pub mod catalogue;
pub mod events;
pub mod forms;
pub mod info;
pub mod national;
pub mod pages;
pub mod record;
pub mod revaluation;
