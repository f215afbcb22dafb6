// Starts Swagger UI on the API docs page. The settings come from a JSON block in the page
// (data, not script) so that the page needs no inline script under the site's CSP.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  // "Try it out" with a session: writes need the CSRF token (a token request ignores it).
  settings.requestInterceptor = function (request) {
    if (csrfToken && request.method && request.method.toUpperCase() !== "GET") {
      request.headers["X-CSRFToken"] = csrfToken;
    }
    return request;
  };
  window.ui = SwaggerUIBundle(settings);
})();
