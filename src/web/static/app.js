// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("click", function (e) {
  var el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});

// The phone count page: scan a QR label with the camera where the browser can (BarcodeDetector);
// a handheld scanner needs nothing, it types the code.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("scan");
  var video = document.getElementById("scan-video");
  var code = document.getElementById("code");
  if (!button || !video || !code || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.hidden = false;
      video.srcObject = stream;
      video.play();
      var look = function () {
        detector.detect(video).then(function (found) {
          if (found.length > 0) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true;
            code.value = found[0].rawValue;
            document.getElementById("lookup").submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(function () { window.requestAnimationFrame(look); });
      };
      look();
    });
  });
});
