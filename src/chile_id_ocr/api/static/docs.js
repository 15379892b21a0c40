// The API documentation at /docs: Swagger UI (shipped in this folder, swagger-ui-bundle.js) on /openapi.json.
// A file of its own rather than an inline script, so that the page's Content-Security-Policy allows only
// scripts from this origin.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
