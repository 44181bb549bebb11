// The API docs page (templates/repairnet/swagger.html): the schema is fetched as soon as this file runs, in
// parallel with the deferred Swagger UI bundle; Swagger UI starts on DOMContentLoaded with the fetched schema.
// Until then the page shows its own loading state, and it says why when the schema cannot be loaded.
(function () {
  var config = document.getElementById("swagger-init").dataset;
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
  var schema = fetch(config.schemaUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw response;
      return response.json();
    });

  function failed(error) {
    var state = document.getElementById("api-docs-state");
    if (!state) return;
    document.getElementById("api-docs-loading").classList.add("failed");
    if (error && (error.status === 401 || error.status === 403)) {
      state.textContent = config.loginText + " ";
      var link = document.createElement("a");
      link.href = config.loginUrl;
      link.textContent = "→";
      state.appendChild(link);
    } else {
      state.textContent = config.failed + (error && error.status ? " (HTTP " + error.status + ")" : "") + ".";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    schema.then(function (spec) {
      window.ui = SwaggerUIBundle({
        spec: spec, dom_id: "#swagger-ui", presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "BaseLayout", deepLinking: true,
        requestInterceptor: function (req) { if (csrf) { req.headers["X-CSRFToken"] = csrf; } return req; }
      });
    }, failed);
  });
})();
