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
              code.value = text.trim();
              // One step: the scan is submitted as the code typed would be.
              document.getElementById("lookup").submit();
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
