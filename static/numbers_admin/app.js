// numbers_admin: the little behaviour htmx does not give us. No inline scripts (CSP).
(function () {
  "use strict";

  // After an htmx swap, move focus to the new content so keyboard and screen-reader users land on
  // it: an element marked [data-autofocus] inside the swapped content, else the swap target itself.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.hasAttribute("data-keep-focus")) return;
    // Typing in a live search box must not lose the caret.
    var active = document.activeElement;
    if (active && active !== document.body && target.contains(active) === false &&
        active.closest("[data-keep-focus]")) return;
    // hx-swap="outerHTML" replaces the target: the event still names the old, detached element,
    // and focusing inside it does nothing (focus fell to <body>). Use its replacement, by id.
    // (Found by the browser journeys, tests/e2e.)
    if (!target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target) return;
    var focusable = target.querySelector("[data-autofocus]") || target;
    if (!focusable.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(focusable.tagName)) {
      focusable.setAttribute("tabindex", "-1");
    }
    focusable.focus({ preventScroll: false });
  });

  // An out-of-band update of the #messages live region (hx-swap-oob="true" is an outerHTML swap)
  // must change the region's content, not replace the region: screen readers announce what is
  // added inside an existing live region, and may stay silent about a brand-new one.
  // (Found by the browser journeys, tests/e2e.)
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.target || detail.target.id !== "messages" || !detail.fragment) return;
    var incoming = detail.fragment.firstElementChild;
    if (!incoming || incoming.id !== "messages") return;
    detail.shouldSwap = false;
    detail.target.replaceChildren.apply(detail.target, Array.from(incoming.childNodes));
  });

  // Buttons with [data-once] disable themselves on submit, so a double click sends one request.
  // (The server enforces this too: every money-moving form carries an idempotency key.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "true" && form.hasAttribute("data-once")) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-once")) {
      form.dataset.submitted = "true";
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.setAttribute("aria-disabled", "true");
      });
    }
  }, true);

  // Select-all checkbox for tables: <input type=checkbox data-select-all="name-of-row-boxes">.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-select-all]")) {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (b) {
        b.checked = box.checked;
      });
    }
  });

  // Server-sent messages in an HX-Trigger header: {"showMessage": {"text": "...", "level": "success"}}
  document.body && document.body.addEventListener("showMessage", function (event) {
    var region = document.getElementById("messages");
    if (!region) return;
    var div = document.createElement("div");
    div.className = "message message--" + (event.detail.level || "info");
    div.textContent = event.detail.text || event.detail.value;
    region.appendChild(div);
  });
})();
