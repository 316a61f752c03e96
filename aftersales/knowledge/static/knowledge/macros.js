// knowledge: the reply-template picker on the ticket page. Alt+M (or the "Templates" button) in
// the reply box opens it; type to filter, ↑/↓ to choose, Enter to insert at the cursor, Esc to
// close. The server fills the templates in for this ticket (contact's language first) and says
// which variables had no value. A template's status is set in the reply form's status select;
// its category is applied at once through the server (tickets.actions.update_ticket).
// Loaded by knowledge/_sidebar.html only where a ticket's reply box is shown. No inline
// scripts (CSP); all text comes from data attributes translated on the server.
(function () {
  "use strict";

  var config = document.querySelector("[data-macro-picker]");
  var composer = document.querySelector("form[data-composer]");
  if (!config || !composer) return;
  var textarea = composer.querySelector("textarea[name=body]");
  if (!textarea) return;
  var statusSelect = composer.querySelector("select[name=status]");
  var csrf = composer.querySelector("input[name=csrfmiddlewaretoken]");
  var text = function (name) { return config.getAttribute("data-" + name) || ""; };

  var data = null;        // {items: [...], missing_text, empty_text} once loaded
  var shown = [];         // the items matching the filter
  var active = 0;
  var selection = { start: 0, end: 0 };
  var dialog, filter, list, note;

  function el(tag, attrs, content) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (content) node.textContent = content;
    return node;
  }

  function build() {
    dialog = el("dialog", { "class": "kb-picker", "aria-labelledby": "kb-picker-title", "data-testid": "macro-picker" });
    var head = el("div", { "class": "kb-picker-head" });
    head.appendChild(el("h2", { id: "kb-picker-title" }, text("title")));
    var label = el("label", { "for": "kb-picker-filter", "class": "visually-hidden" }, text("filter-label"));
    filter = el("input", {
      id: "kb-picker-filter", type: "search", autocomplete: "off", role: "combobox", "aria-expanded": "true",
      "aria-controls": "kb-picker-list", "aria-autocomplete": "list", placeholder: text("filter-label"),
      "data-testid": "macro-filter"
    });
    head.appendChild(label);
    head.appendChild(filter);
    list = el("ul", { id: "kb-picker-list", role: "listbox", "class": "kb-picker-list", "aria-label": text("title") });
    var foot = el("div", { "class": "kb-picker-foot" });
    foot.appendChild(el("span", {}, text("hint")));
    var close = el("button", { type: "button", "class": "button button-small" }, text("close"));
    close.addEventListener("click", function () { dialog.close(); });
    foot.appendChild(close);
    dialog.appendChild(head);
    dialog.appendChild(list);
    dialog.appendChild(foot);
    document.body.appendChild(dialog);

    filter.addEventListener("input", function () { active = 0; render(); });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
      else if (event.key === "Enter") { event.preventDefault(); if (shown[active]) choose(shown[active]); }
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("li[data-index]");
      if (item) choose(shown[Number(item.getAttribute("data-index"))]);
    });
    dialog.addEventListener("close", function () { textarea.focus(); });

    note = el("p", { "class": "kb-picker-note", role: "status", "aria-live": "polite", "data-testid": "macro-note" });
    textarea.insertAdjacentElement("afterend", note);
  }

  function move(step) {
    if (!shown.length) return;
    active = (active + step + shown.length) % shown.length;
    render();
  }

  function render() {
    list.textContent = "";
    if (!data) { list.appendChild(el("li", { "aria-disabled": "true" }, text("loading"))); return; }
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    shown = data.items.filter(function (item) {
      var hay = (item.name + " " + item.key + " " + item.text).toLowerCase();
      return words.every(function (word) { return hay.indexOf(word) !== -1; });
    });
    if (!shown.length) {
      list.appendChild(el("li", { "aria-disabled": "true" }, data.items.length ? text("none") : data.empty_text));
      filter.removeAttribute("aria-activedescendant");
      return;
    }
    if (active >= shown.length) active = 0;
    shown.forEach(function (item, index) {
      var li = el("li", {
        id: "kb-macro-" + index, role: "option", "data-index": String(index), "data-testid": "macro-option",
        "aria-selected": index === active ? "true" : "false", lang: item.language
      });
      var name = el("div", { "class": "kb-picker-name" }, item.name + " ");
      name.appendChild(el("span", { "class": "tag" }, item.language_label));
      li.appendChild(name);
      li.appendChild(el("div", { "class": "kb-picker-preview" }, item.error || item.text));
      list.appendChild(li);
    });
    filter.setAttribute("aria-activedescendant", "kb-macro-" + active);
    var current = document.getElementById("kb-macro-" + active);
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  function load() {
    if (data) return;
    fetch(text("source"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (json) { data = json; render(); })
      .catch(function () {
        list.textContent = "";
        list.appendChild(el("li", { role: "alert" }, text("error")));
      });
  }

  function open() {
    if (!dialog) build();
    if (document.activeElement === textarea) {
      selection = { start: textarea.selectionStart, end: textarea.selectionEnd };
    } else {
      selection = { start: textarea.value.length, end: textarea.value.length };
    }
    filter.value = "";
    active = 0;
    render();
    load();
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    filter.focus();
  }

  function say(message, ok) {
    note.textContent = message;
    note.classList.toggle("is-ok", !!ok);
  }

  function choose(item) {
    if (!item) return;
    if (item.error) { say(item.error, false); dialog.close(); return; }
    var value = textarea.value;
    textarea.value = value.slice(0, selection.start) + item.text + value.slice(selection.end);
    var caret = selection.start + item.text.length;
    dialog.close();
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    var notes = [];
    if (item.missing && item.missing.length) notes.push(data.missing_text.replace("%(names)s", item.missing.join(", ")));
    if (item.set_status && statusSelect) {
      statusSelect.value = item.set_status;
      statusSelect.dispatchEvent(new Event("change", { bubbles: true }));
      notes.push(text("status-set").replace("%(status)s", item.set_status_label));
    }
    say(notes.join(" "), !(item.missing && item.missing.length));
    if (item.apply_url) {
      var body = new FormData();
      if (csrf) body.append("csrfmiddlewaretoken", csrf.value);
      fetch(item.apply_url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (json) {
          if (json.message) say((note.textContent + " " + json.message).trim(), json.ok);
          // Keep the properties form in step, so saving it later does not put the old category back.
          var category = document.querySelector('[data-testid="properties-form"] select[name=category]');
          if (json.ok && json.category && category) category.value = String(json.category);
        })
        .catch(function () { say(text("error"), false); });
    }
  }

  // The button next to "Send", for people who do not use the keyboard.
  var foot = composer.querySelector(".composer-foot");
  if (foot) {
    var button = el("button", { type: "button", "class": "button", "data-testid": "macro-open", "aria-keyshortcuts": "Alt+M" }, text("button") + " ");
    button.appendChild(el("kbd", {}, "Alt+M"));
    button.addEventListener("click", open);
    foot.insertBefore(button, foot.lastElementChild);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.code === "KeyM" || event.key === "m" || event.key === "M")) {
      event.preventDefault();
      open();
    }
  });
})();
