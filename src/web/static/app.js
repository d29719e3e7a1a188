// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("click", function (e) {
  var el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});

// The phone count page: scan a label with the camera. The browser's own BarcodeDetector where it
// has one; elsewhere (iPhone Safari, Firefox, desktop Chrome) the vendored ZXing decoder, loaded
// only then. QR labels and the 1D codes of older label makers. A handheld scanner needs none of
// this: it types the code and Enter.
var SCAN_FORMATS = ["qr_code", "code_128", "code_39", "ean_13", "ean_8", "itf", "upc_a", "codabar"];

function loadZxing() {
  return new Promise(function (resolve, reject) {
    if (window.ZXing) { resolve(window.ZXing); return; }
    var s = document.createElement("script");
    s.src = "/static/zxing.min.js";
    s.onload = function () { resolve(window.ZXing); };
    s.onerror = function () { reject(new Error("Không tải được bộ đọc mã")); };
    document.head.appendChild(s);
  });
}

// A function that reads a code from the video's current frame, or null when there is none.
function makeReader(video) {
  if ("BarcodeDetector" in window) {
    var detector = new window.BarcodeDetector({ formats: SCAN_FORMATS });
    return Promise.resolve(function () {
      return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : null; });
    });
  }
  return loadZxing().then(function (Z) {
    var F = Z.BarcodeFormat;
    var hints = new Map();
    hints.set(Z.DecodeHintType.POSSIBLE_FORMATS,
      [F.QR_CODE, F.CODE_128, F.CODE_39, F.EAN_13, F.EAN_8, F.ITF, F.UPC_A, F.CODABAR]);
    hints.set(Z.DecodeHintType.TRY_HARDER, true);
    var reader = new Z.MultiFormatReader();
    reader.setHints(hints);
    var canvas = document.createElement("canvas");
    return function () {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) { return Promise.resolve(null); }
      canvas.width = w; canvas.height = h;
      canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0, w, h);
      try {
        var bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.HTMLCanvasElementLuminanceSource(canvas)));
        return Promise.resolve(reader.decode(bitmap).getText());
      } catch (e) {
        return Promise.resolve(null); // no code in this frame
      }
    };
  });
}

document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("scan");
  var video = document.getElementById("scan-video");
  var code = document.getElementById("code");
  var status = document.getElementById("scan-status");
  if (!button || !video || !code) { return; }
  var say = function (text) { status.hidden = !text; status.textContent = text || ""; };
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    // Cameras need a secure context (https, or this machine itself).
    if (!window.isSecureContext) { say("Camera cần kết nối https: hỏi quản trị về địa chỉ https của hệ thống."); }
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    say("Đang mở camera…");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
      video.hidden = false;
      video.srcObject = stream;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      return makeReader(video).then(function (read) {
        say("Hướng camera vào nhãn…");
        var look = function () {
          read().then(function (text) {
            if (text) {
              stop();
              say("");
              // A place's own label holds the address of what is left there: open it.
              var place = text.indexOf("/kiem-ke/") >= 0 ? new URL(text, location.origin) : null;
              if (place && place.origin === location.origin) { location.href = place.href; return; }
              code.value = text.trim();
              // One step: the scan is submitted as the code typed would be (through the form's own
              // submit handling, which keeps it on the phone when the signal fails).
              var lookup = document.getElementById("lookup");
              if (lookup.requestSubmit) { lookup.requestSubmit(); } else { lookup.submit(); }
            } else {
              window.setTimeout(look, 120);
            }
          }, function () { window.setTimeout(look, 120); });
        };
        look();
      }, function (e) { stop(); say(e.message); });
    }, function () { say("Không mở được camera: hãy cho phép trình duyệt dùng camera, hoặc gõ mã."); });
  });
});

// Counting without a network. The page, its list and these files are kept by the count's service
// worker; what is counted while the phone has no network waits in IndexedDB, each entry with an id
// made here, and is sent when the network returns — sending twice records once. Online, the page
// posts to the server as it always does.
(function () {
  var form = document.getElementById("lookup");
  if (!form || !form.dataset.count || !("indexedDB" in window) || !window.fetch) { return; }
  var count = form.dataset.count, me = form.dataset.user;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var panel = document.getElementById("offline-panel");
  var list = null; // the count's assets, as the server last gave them
  var lastFailed = false;

  var kept = Promise.resolve();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiem-ke/sw.js", { scope: "/kiem-ke/" }).catch(function () {});
    // The page's first load came before its service worker: keep this page now, for a reload
    // with no network (the worker keeps later loads itself).
    if (navigator.onLine && window.caches) {
      kept = navigator.serviceWorker.ready.then(function () {
        return caches.open("taisan-dem-v1").then(function (c) { return c.add(location.pathname); });
      }).catch(function () {});
    }
  }

  function randomId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  var device = localStorage.getItem("taisan-device");
  if (!device) { device = randomId(); localStorage.setItem("taisan-device", device); }

  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("taisan-dem", 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore("queue", { keyPath: "client_id" });
        open.result.createObjectStore("lists", { keyPath: "count" });
      };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode), s = t.objectStore(store), out = work(s);
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queued() {
    return tx("queue", "readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.filter(function (e) { return e.count === count; })
        .sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  function offline() { return !navigator.onLine || lastFailed; }
  function fold(code) { return code.trim().toUpperCase(); }
  function find(code) {
    var c = fold(code);
    return (list || []).filter(function (i) { return fold(i.code) === c; })[0] || null;
  }
  function esc(t) { var d = document.createElement("div"); d.textContent = t == null ? "" : String(t); return d.innerHTML; }

  function show(html) {
    ["notice", "errors", "count-entry", "other-unit"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el && !panel.contains(el)) { el.remove(); }
    });
    panel.innerHTML = html;
    var q = panel.querySelector("input[name=quantity]");
    (q || document.getElementById("code")).focus();
  }

  function status() {
    return queued().then(function (q) {
      var u = document.getElementById("unsent"), n = document.getElementById("net");
      u.hidden = q.length === 0;
      u.textContent = "Chưa gửi: " + q.length;
      n.hidden = !offline();
      n.textContent = "Không có mạng — số đếm được giữ trên điện thoại";
      if (list) {
        var mine = {};
        q.forEach(function (e) { mine[fold(e.code)] = true; });
        var left = list.filter(function (i) { return i.mine && i.counted == null && !mine[fold(i.code)]; }).length;
        document.getElementById("left").textContent = left;
      }
      return q;
    });
  }

  function loadList() {
    return fetch("/api/v1/counts/" + count + "/walk", { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (body) {
      list = body.items;
      return tx("lists", "readwrite", function (s) { s.put({ count: count, items: list }); });
    }).catch(function () {
      return tx("lists", "readonly", function (s) { return s.get(count); }).then(function (kept) {
        if (kept) { list = kept.items; }
      });
    });
  }

  function enqueue(entry) {
    entry.client_id = entry.client_id || randomId();
    entry.count = count;
    entry.seq = Date.now();
    entry.counted_at = new Date().toISOString();
    return tx("queue", "readwrite", function (s) { s.put(entry); }).then(status).then(function () {
      if (!offline()) { send(); }
    });
  }

  var sending = false;
  function send() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return queued().then(function (q) {
      var entries = q.map(function (e) {
        return { client_id: e.client_id, code: e.code, quantity: e.quantity, mode: e.mode || "set",
                 condition: e.condition || null, location: e.location || null, note: e.note || null,
                 counted_at: e.counted_at };
      });
      return fetch("/api/v1/counts/" + count + "/sync", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ device: device, unsent: q.length, entries: entries })
      }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      }).then(function (body) {
        lastFailed = false;
        list = body.items;
        tx("lists", "readwrite", function (s) { s.put({ count: count, items: list }); });
        var refused = body.results.filter(function (x) { return x.outcome === "refused"; });
        if (refused.length) {
          var ul = document.getElementById("refused");
          ul.hidden = false;
          refused.forEach(function (x) {
            var li = document.createElement("li");
            li.textContent = x.code + ": không ghi được — " + x.message;
            ul.appendChild(li);
          });
        }
        // Recorded, recorded before, or refused with its reason shown: none stays in the queue.
        return tx("queue", "readwrite", function (s) {
          body.results.forEach(function (x) { s.delete(x.client_id); });
        });
      });
    }).catch(function () { lastFailed = true; }).then(function () {
      sending = false;
      return status();
    });
  }

  function standing(item, q) {
    var local = q.filter(function (e) { return fold(e.code) === fold(item.code); });
    if (!local.length) {
      return item.counted == null ? null : { quantity: item.counted, by: item.counted_by, at: item.counted_at };
    }
    var total = item.counted || 0;
    local.forEach(function (e) { total = e.mode === "add" ? total + e.quantity : e.quantity; });
    return { quantity: total, by: me, at: "chưa gửi" };
  }

  function entryForm(code, inner, buttons) {
    return '<form class="card phone" id="count-entry" data-code="' + esc(code) + '">' + inner +
      '<label>Số lượng<input name="quantity" id="quantity" inputmode="numeric" required></label>' +
      '<label>Ghi chú<input name="note" id="note"></label>' + buttons + "</form>";
  }

  function scanned(code, clientId) {
    var item = find(code);
    return queued().then(function (q) {
      if (!item) {
        show('<p class="error" id="not-found">Mã «' + esc(code) + '» không có trong đợt kiểm kê này — chưa ghi gì.</p>' +
          entryForm(code, "", '<button type="submit" id="save-count">Ghi là tài sản thừa</button>'));
        return;
      }
      if (!item.mine) {
        show('<div class="alert card" role="alert" id="other-unit">«' + esc(item.code) + "» là tài sản của <b>" +
          esc(item.unit_name) + "</b>: bạn chỉ kiểm kê tài sản của đơn vị mình. Không ghi gì.</div>");
        return;
      }
      var about = '<p id="found"><strong>' + esc(item.code) + "</strong> — " + esc(item.name) + "<br>" +
        esc(item.unit_name) + (item.location ? " — " + esc(item.location) : "") +
        (item.book_quantity != null ? "<br>Theo sổ: " + item.book_quantity + " " + esc(item.unit_of_measure) : "") + "</p>";
      var st = standing(item, q);
      if (st) {
        show(entryForm(item.code, about + '<p class="warning" id="counted-before">Đã đếm: ' + st.quantity + " " +
          esc(item.unit_of_measure) + " — lần cuối " + esc(st.by) + " ghi lúc " + esc(st.at) + ". Chưa ghi gì thêm.</p>",
          '<div class="buttons"><button type="submit" name="mode" value="add" id="add-count">Cộng thêm vào ' + st.quantity +
          '</button> <button type="submit" name="mode" value="set" id="set-count">Sửa thành số này</button></div>'));
        return;
      }
      if (item.single) {
        return enqueue({ code: item.code, quantity: 1, client_id: clientId }).then(function () { saved(item, 1); });
      }
      show(entryForm(item.code, about, '<button type="submit" id="save-count">Ghi số đếm</button>'));
    });
  }

  function saved(item, quantity) {
    var what = item ? " — " + item.name + " (" + item.unit_of_measure + ")" : "";
    show('<div class="notice ok" role="status" id="notice">✓ Đã ghi ' + esc(item ? item.code : "") + esc(what) + ": " +
      quantity + (offline() ? " (chưa gửi)" : "") + "</div>");
    var code = document.getElementById("code");
    code.value = "";
    code.focus();
  }

  form.addEventListener("submit", function (e) {
    if (!list) { return; } // the page's list not on the phone yet: the form goes as it is
    e.preventDefault();
    var code = document.getElementById("code").value.trim();
    if (!code) { return; }
    // The scan's own id: if the answer is lost on a weak signal, the same entry waits in the queue
    // and the server records it once.
    var id = randomId();
    if (offline()) { scanned(code, id); return; }
    document.getElementById("client_id").value = id;
    var abort = new AbortController();
    var timer = window.setTimeout(function () { abort.abort(); }, 8000);
    // As the form itself posts: urlencoded, not multipart.
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", signal: abort.signal })
      .then(function (res) {
        window.clearTimeout(timer);
        // Recorded: the page with its notice. Anything else: the page that says what the code is.
        location.href = res.redirected ? res.url : form.action + "?code=" + encodeURIComponent(code);
      }, function () {
        window.clearTimeout(timer);
        lastFailed = true;
        status();
        scanned(code, id);
      });
  });
  panel.addEventListener("submit", function (e) {
    e.preventDefault();
    var f = e.target, code = f.dataset.code;
    var quantity = parseInt(f.querySelector("input[name=quantity]").value, 10);
    if (!(quantity >= 0)) { f.querySelector("input[name=quantity]").focus(); return; }
    var mode = e.submitter && e.submitter.value === "add" ? "add" : "set";
    var item = find(code);
    enqueue({ code: item ? item.code : code, quantity: quantity, mode: mode,
              note: f.querySelector("input[name=note]").value || null }).then(function () {
      queued().then(function (q) { saved(item || { code: code, name: "", unit_of_measure: "" },
        standing(item || { code: code }, q) ? standing(item || { code: code }, q).quantity : quantity); });
    });
  });

  window.addEventListener("online", function () { lastFailed = false; send(); });
  window.addEventListener("offline", status);
  Promise.all([loadList(), kept]).then(function () {
    // Ready to count with no network: the list and the page are on the phone.
    form.dataset.ready = "true";
    return navigator.onLine ? send() : status();
  });
  // Try again soon after a failed contact, else now and then.
  var tick = 0;
  window.setInterval(function () {
    tick += 1;
    if (navigator.onLine && (lastFailed || tick % 4 === 0)) { send(); }
  }, 5000);
})();
