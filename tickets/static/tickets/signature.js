// Customer sign-off on the technician's screen: signature_pad canvas → PNG data URL in a hidden field.
(function () {
  "use strict";
  const canvas = document.getElementById("signature-pad");
  const form = document.getElementById("complete-form");
  if (!canvas || !form || typeof SignaturePad === "undefined") return;
  const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
  function resize() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
  }
  window.addEventListener("resize", resize);
  resize();
  document.getElementById("signature-clear").addEventListener("click", () => pad.clear());
  form.addEventListener("submit", () => {
    form.querySelector("[name=signature]").value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
  });
})();
