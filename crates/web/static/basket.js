// The basket's forms, sent in the background so the page stays where it is. Without this
// script the same forms post and the server answers with the basket page.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-basket")) return;
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form, event.submitter || undefined));
    var status = document.getElementById("basket-status");
    form.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("basket");
        var here = document.getElementById("basket");
        if (here && fresh) {
          here.replaceWith(fresh);
          var focus = fresh.querySelector("[role=alert]") || fresh.querySelector("h1");
          if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
          return;
        }
        // On a product page: say what the basket now holds, or why the piece was refused.
        var said = page.getElementById("basket-error") || page.getElementById("basket-status");
        if (status && said) {
          status.textContent = said.textContent.replace(/\s+/g, " ").trim();
          var link = document.createElement("a");
          link.href = form.action.replace(/\/items$/, "");
          link.textContent = status.getAttribute("data-view");
          status.appendChild(document.createTextNode(" "));
          status.appendChild(link);
        }
      })
      .catch(function () { form.removeAttribute("data-basket"); form.submit(); })
      .finally(function () { form.removeAttribute("aria-busy"); });
  });
})();
