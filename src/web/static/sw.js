// The cache's name is the page script's too (app.js keeps the page it was first loaded on).
// The count's service worker (scope /kiem-ke/): keeps the phone count page, the list of what its
// counter may count, and the static files, so that a counter in a net house with no signal can
// reload the page and go on counting. Entries made offline wait in the page's IndexedDB queue.
var CACHE = "taisan-dem-v1";
var STATIC = ["/static/app.css", "/static/app.js", "/static/zxing.min.js", "/static/htmx.min.js"];
var KEPT = [/^\/kiem-ke\/\d+\/dem$/, /^\/api\/v1\/counts\/\d+\/walk$/];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(STATIC); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (e) {
  e.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var kept = KEPT.some(function (re) { return re.test(url.pathname); });
  if (kept) {
    // The network first; what it last gave when there is none. Only the plain page is kept (a
    // notice in its address is of that moment).
    e.respondWith(fetch(e.request).then(function (res) {
      if (res.ok && !url.search) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(url.pathname).then(function (r) {
        return r || new Response("Không có mạng và điện thoại chưa lưu trang này.", {
          status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
  } else if (STATIC.indexOf(url.pathname) >= 0) {
    e.respondWith(caches.match(url.pathname).then(function (r) { return r || fetch(e.request); }));
  }
});
