// Starts the vendored Swagger UI on the schema URL passed by the page (no inline script).
(function () {
  var url = document.getElementById("swagger-init").dataset.schemaUrl;
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
  window.ui = SwaggerUIBundle({
    url: url, dom_id: "#swagger-ui", presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout", deepLinking: true,
    requestInterceptor: function (req) { if (csrf) { req.headers["X-CSRFToken"] = csrf; } return req; }
  });
})();
