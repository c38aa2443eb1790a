/* Search suggestions as you type, on the search page only. Loaded with `defer`. */
(function () {
  "use strict";

  const box = document.querySelector("[data-suggest]");
  if (!box) return;
  const input = box.querySelector("[data-suggest-input]");
  const list = box.querySelector("[data-suggest-list]");
  const url = box.getAttribute("data-suggest-url");
  const WAIT_MS = 150;
  let timer = null;
  let controller = null;
  let active = -1;

  function options() {
    return Array.prototype.slice.call(list.querySelectorAll("[role='option']"));
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function show(suggestions) {
    list.replaceChildren();
    active = -1;
    if (!suggestions.length) {
      close();
      return;
    }
    suggestions.forEach(function (suggestion, i) {
      const item = document.createElement("li");
      item.id = "suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      const link = document.createElement("a");
      link.className = "search-suggestion";
      link.href = suggestion.url;
      link.textContent = suggestion.title;
      link.tabIndex = -1;
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function fetchSuggestions() {
    const text = input.value.trim();
    if (controller) controller.abort();
    if (text.length < 2) {
      close();
      return;
    }
    controller = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(show)
      .catch(function (error) {
        if (error.name !== "AbortError") close();
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, WAIT_MS);
  });

  input.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].querySelector("a").href);
    }
  });

  document.addEventListener("click", function (event) {
    if (!box.contains(event.target)) close();
  });
})();
