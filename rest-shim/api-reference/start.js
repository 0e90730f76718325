// Starts Swagger UI on the page served by rest-shim/src/api-reference.ts, over
// this port's own OpenAPI document.
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#api-reference",
  deepLinking: true,
  // No call to an online validator: the page must work without internet.
  validatorUrl: null,
});
