/* Fills page sections served as HTML fragments: <section data-src="/url/">.
 *
 * The fragment replaces the section's content, heading included; on failure a
 * link to the same URL (a full page without JavaScript) takes the placeholder's
 * place. The fragments are our own server-rendered, escaped templates. */
(function () {
  "use strict";

  function fallback(section, url) {
    var status = section.querySelector("[data-fragment-status]");
    if (!status) {
      return;
    }
    var link = document.createElement("a");
    link.href = url;
    link.textContent = status.getAttribute("data-fallback-text") || url;
    status.textContent = "";
    status.appendChild(link);
  }

  function load(section) {
    var url = section.getAttribute("data-src");
    section.setAttribute("aria-busy", "true");
    fetch(url, {
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        section.innerHTML = html;
      })
      .catch(function () {
        fallback(section, url);
      })
      .finally(function () {
        section.setAttribute("aria-busy", "false");
      });
  }

  document.querySelectorAll("section[data-src]").forEach(load);
})();
