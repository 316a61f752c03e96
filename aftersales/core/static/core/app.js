// aftersales: keyboard shortcuts and small progressive enhancements. No inline scripts (CSP).
(function () {
  "use strict";

  var selected = -1;

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row-link]"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) {
      var on = i === selected;
      row.classList.toggle("is-selected", on);
      if (on) {
        row.setAttribute("aria-current", "true");
        var link = row.querySelector("a[href]");
        if (link) link.focus({ preventScroll: true });
        row.scrollIntoView({ block: "nearest" });
      } else {
        row.removeAttribute("aria-current");
      }
    });
  }

  function composerKind(kind) {
    var radio = document.querySelector('[data-composer-kind="' + kind + '"]');
    var body = document.querySelector('[data-testid="reply-box"]');
    if (!radio || !body) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    body.focus();
    body.scrollIntoView({ block: "center" });
    return true;
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    var handled = true;
    switch (event.key) {
      case "j":
        select(selected + 1);
        break;
      case "k":
        select(selected - 1);
        break;
      case "Enter": {
        var row = rows()[selected];
        var link = row && row.querySelector("a[href]");
        if (!link || !row.contains(document.activeElement) && document.activeElement !== document.body) {
          handled = false;
        } else {
          link.click();
        }
        break;
      }
      case "/": {
        var search = document.getElementById("global-search");
        if (search) { search.focus(); search.select(); } else handled = false;
        break;
      }
      case "r":
        handled = composerKind("reply");
        break;
      case "n":
        handled = composerKind("note");
        break;
      case "a": {
        var assign = document.querySelector('[data-shortcut="assign-me"]');
        if (assign) assign.click(); else handled = false;
        break;
      }
      case "?":
        openShortcuts();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-shortcuts-open]");
    if (opener) openShortcuts();
  });

  // Selects marked data-autosubmit submit their form on change (the button stays for no-JS use).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
    }
    if (target.matches && target.matches("[data-composer-kind]")) {
      var composer = target.closest("[data-composer]");
      if (composer) composer.setAttribute("data-kind", target.value);
    }
  });

  // Forms marked data-confirm ask first (merging cannot be undone).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // A new list arrived: the old selection means nothing.
  document.addEventListener("htmx:afterSwap", function () { selected = -1; });

  // A panel that fails to load says so instead of "Loading…" forever (the text is translated
  // server-side in data-error-text, so no JS catalogue is needed).
  document.addEventListener("htmx:responseError", showPanelError);
  document.addEventListener("htmx:sendError", showPanelError);
  function showPanelError(event) {
    var target = event.detail && event.detail.elt;
    var status = target && target.querySelector && target.querySelector("[data-panel-status]");
    if (!status) return;
    status.textContent = status.getAttribute("data-error-text");
    status.setAttribute("role", "alert");
    target.removeAttribute("aria-busy");
  }
})();
