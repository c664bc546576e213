// Small glue for htmx; every page works without it.
document.addEventListener("htmx:beforeSwap", function (evt) {
  // Validation errors (422), conflicts (409), refusals (403) and bad input (400)
  // come back as the same partial with a message: show them in place.
  var status = evt.detail.xhr.status;
  if (status === 422 || status === 409 || status === 403 || status === 400) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});

// Filter forms (the public register): leave empty fields out of the request, so the
// URL pushed to the address bar is short enough to share ("/?stars=4&city=1").
document.addEventListener("htmx:configRequest", function (evt) {
  if (evt.detail.verb !== "get" || !evt.detail.elt.matches || !evt.detail.elt.matches("form.filters")) {
    return;
  }
  var params = evt.detail.parameters;
  Object.keys(params).forEach(function (key) {
    if (params[key] === "") {
      delete params[key];
    }
  });
});
