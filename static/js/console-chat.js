/* The go-live console's moderation queue and audience figures, on the core client
   (window.TokshopRoom, static/js/room.js). Held messages are released or removed through the REST API;
   the chat itself, with delete, mute and ban on each line, is static/js/room-chat.js. */
(function () {
  "use strict";

  const room = window.TokshopRoom;
  const queue = document.querySelector("[data-held-queue]");
  const stats = document.querySelector("[data-console-stats]");
  if (!room || (!queue && !stats)) return;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  /* ---------- Held messages ---------- */

  function showError(text) {
    const box = document.querySelector("[data-held-error]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function refreshCount() {
    const items = queue.querySelectorAll("[data-held-id]").length;
    const badge = document.querySelector("[data-held-count]");
    if (badge) {
      badge.textContent = items + " held";
      badge.hidden = items === 0;
    }
    const empty = queue.querySelector("[data-held-empty]");
    if (empty) empty.hidden = items > 0;
  }

  function addHeld(held) {
    if (queue.querySelector('[data-held-id="' + held.id + '"]')) return;
    const item = element("li", "held-item");
    item.dataset.heldId = String(held.id);
    const head = element("p", "held-item-head");
    head.appendChild(element("strong", "", held.sender.name));
    head.appendChild(element("span", "badge badge-warning", held.code.replace(/_/g, " ")));
    item.appendChild(head);
    item.appendChild(element("p", "held-item-text", held.text));
    const actions = element("div", "held-item-actions");
    [
      ["release", "Show it", "button button-secondary button-sm"],
      ["remove", "Remove", "button button-danger-outline button-sm"],
    ].forEach(function (spec) {
      const button = element("button", spec[2], spec[1]);
      button.type = "button";
      button.dataset.heldAction = spec[0];
      actions.appendChild(button);
    });
    item.appendChild(actions);
    queue.appendChild(item);
    refreshCount();
  }

  function dropHeld(id) {
    const item = queue.querySelector('[data-held-id="' + id + '"]');
    if (item) item.remove();
    refreshCount();
  }

  if (queue) {
    queue.addEventListener("click", function (event) {
      const button = event.target.closest("[data-held-action]");
      if (!button) return;
      const item = button.closest("[data-held-id]");
      const id = item.dataset.heldId;
      const action = button.dataset.heldAction;
      const url = queue.dataset[action + "Url"].replace("{id}", id);
      button.disabled = true;
      showError("");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(action === "remove" ? { reason: "" } : {}),
      })
        .then(function (response) {
          if (response.ok || response.status === 409) {
            dropHeld(id);
            return;
          }
          return response.json().then(function (body) {
            showError(body.message || "That did not work.");
          });
        })
        .catch(function () {
          showError("Tokshop could not be reached. Try again.");
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  /* ---------- Figures ---------- */

  function formatted(node, value) {
    if (node.dataset.format === "duration") {
      const minutes = Math.floor(value / 60);
      return minutes + ":" + String(value % 60).padStart(2, "0");
    }
    if (node.dataset.format === "money") {
      return (value / 100).toLocaleString(undefined, { style: "currency", currency: "USD" });
    }
    return Number(value).toLocaleString();
  }

  function setStats(figures) {
    if (!stats || !figures) return;
    stats.querySelectorAll("[data-stat]").forEach(function (node) {
      const value = figures[node.dataset.stat];
      if (typeof value === "number") node.textContent = formatted(node, value);
    });
  }

  room.on("room.snapshot", function (snapshot) {
    if (queue) {
      queue.querySelectorAll("[data-held-id]").forEach(function (item) {
        item.remove();
      });
      (snapshot.held || []).forEach(addHeld);
      refreshCount();
    }
    setStats(snapshot.stats);
  });
  room.on("chat.held", function (event) {
    if (queue) addHeld(event.held);
  });
  room.on("chat.held_decided", function (event) {
    if (queue) dropHeld(event.id);
  });
  room.on("room.stats", function (event) {
    setStats(event.stats);
  });
  room.on("presence.count", function (event) {
    setStats({ current: event.current, peak: event.peak, unique: event.unique });
  });
})();
