// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("click", function (e) {
  var el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});
