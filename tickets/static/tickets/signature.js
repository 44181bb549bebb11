// Customer sign-off on the technician's screen: signature_pad canvas → PNG data URL in a hidden field.
//
// A phone resizes the window when its address bar hides on scroll or the phone turns. Resizing a canvas
// wipes it, so the strokes are kept (toData) and drawn again scaled to the new size (fromData): the
// signature survives, and submitting never loses it. The hidden field is also filled after every stroke.
(function () {
  "use strict";
  const canvas = document.getElementById("signature-pad");
  const form = document.getElementById("complete-form");
  if (!canvas || !form || typeof SignaturePad === "undefined") return;
  const field = form.querySelector("[name=signature]");
  const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
  let size = { width: 0, height: 0, ratio: 1 };

  function scaled(strokes, sx, sy) {
    return strokes.map((stroke) =>
      Object.assign({}, stroke, {
        points: stroke.points.map((p) => Object.assign({}, p, { x: p.x * sx, y: p.y * sy })),
      }),
    );
  }

  function fit() {
    const width = canvas.offsetWidth;
    const height = canvas.offsetHeight;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    if (!width || !height) return; // hidden: keep the strokes for when it shows again
    if (width === size.width && height === size.height && ratio === size.ratio) return; // e.g. the address bar
    const strokes = pad.toData();
    const sx = size.width ? width / size.width : 1;
    const sy = size.height ? height / size.height : 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (strokes.length) pad.fromData(scaled(strokes, sx, sy));
    size = { width, height, ratio };
    store();
  }

  function store() {
    field.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
  }

  if (typeof ResizeObserver !== "undefined") new ResizeObserver(fit).observe(canvas);
  window.addEventListener("resize", fit);
  window.addEventListener("orientationchange", fit);
  fit();
  pad.addEventListener("endStroke", store);
  document.getElementById("signature-clear").addEventListener("click", () => {
    pad.clear();
    store();
  });
  form.addEventListener("submit", () => {
    fit();
    store();
  });
})();
