/* The live room's shell and the host's console: panel tabs, the show's status (badge, overlay, the
   host's buttons), and the lineup, all kept current from the room's socket (room.js). */
(function () {
  "use strict";

  const root = document.getElementById("room");
  const room = window.TokshopRoom;
  if (!root || !room) return;

  const STATUS_LABELS = {
    scheduled: "Scheduled",
    live: "Live",
    paused: "Paused",
    ended: "Ended",
    cancelled: "Cancelled",
    error: "Error",
  };
  const OVERLAY_TEXT = {
    scheduled: "The show has not started yet.",
    paused: "The host paused the show for a moment.",
    ended: "This show has ended.",
    cancelled: "This show was cancelled.",
    error: "The show stopped: its video could not be kept up.",
  };
  // Which of the host's buttons each status offers (a show that ended may go live again for a while:
  // the page knows from its render, the server decides).
  const CONTROLS = {
    scheduled: ["go_live"],
    live: ["pause", "end"],
    paused: ["resume", "end"],
    ended: ["restart"],
  };

  /* ---------- Tabs: one panel at a time on phones and in the side panel on desktops ---------- */
  root.querySelectorAll("[data-room-tabs]").forEach(function (list) {
    const tabs = Array.from(list.querySelectorAll("[role='tab']"));
    function select(tab, focus) {
      tabs.forEach(function (other) {
        const selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.tabIndex = selected ? 0 : -1;
        const panel = document.getElementById(other.getAttribute("aria-controls"));
        if (panel) panel.hidden = !selected;
      });
      if (focus) tab.focus();
    }
    list.addEventListener("click", function (event) {
      const tab = event.target.closest("[role='tab']");
      if (tab) select(tab, false);
    });
    list.addEventListener("keydown", function (event) {
      const index = tabs.indexOf(document.activeElement);
      if (index === -1) return;
      let next = null;
      if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
      if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
      if (event.key === "Home") next = tabs[0];
      if (event.key === "End") next = tabs[tabs.length - 1];
      if (next) {
        event.preventDefault();
        select(next, true);
      }
    });
  });

  /* ---------- The show's status ---------- */
  function showStatus(show) {
    if (!show || !show.status) return;
    root.dataset.status = show.status;
    const label = root.querySelector("[data-room-status-label]");
    if (label) label.textContent = STATUS_LABELS[show.status] || show.status;
    const badge = root.querySelector("[data-room-status-badge]");
    if (badge) badge.classList.toggle("is-paused", show.status !== "live");
    const overlay = root.querySelector("[data-room-overlay]");
    if (overlay) {
      overlay.hidden = show.status === "live";
      const text = overlay.querySelector("[data-room-overlay-text]");
      if (text) text.textContent = OVERLAY_TEXT[show.status] || "";
    }
    const offered = CONTROLS[show.status] || [];
    root.querySelectorAll("[data-control]").forEach(function (form) {
      const name = form.dataset.control;
      // "Go live again" stays as rendered until the page reloads: only the server knows the window.
      if (name === "restart") {
        if (show.status !== "ended") form.hidden = true;
        return;
      }
      form.hidden = offered.indexOf(name) === -1;
    });
  }

  room.on("room.snapshot", function (message) {
    showStatus(message.show);
    if (Array.isArray(message.lineup)) renderLineup(message.lineup);
  });
  room.on("show.status_changed", function (message) { showStatus(message.show); });

  /* ---------- The lineup (the host may change it during the show) ---------- */
  const template = document.getElementById("lineup-item-template");
  const money = {};
  function price(cents, currency) {
    if (!money[currency]) {
      try {
        money[currency] = new Intl.NumberFormat(undefined, { style: "currency", currency: currency });
      } catch (error) {
        money[currency] = { format: function (value) { return value.toFixed(2) + " " + currency; } };
      }
    }
    return money[currency].format(cents / 100);
  }

  function renderLineup(items) {
    const list = root.querySelector("[data-testid='room-lineup'] [data-lineup-list]");
    if (!list || !template) return;
    const rows = items.map(function (item) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.dataset.lineupItem = String(item.id);
      const title = row.querySelector("[data-field='title']");
      title.textContent = item.title;
      title.href = typeof item.url === "string" && item.url.charAt(0) === "/" ? item.url : "#";
      row.querySelector("[data-field='price']").textContent = price(item.price_cents, item.currency);
      if (item.thumbnail) {
        const img = document.createElement("img");
        img.className = "product-thumb";
        img.alt = "";
        img.width = 48;
        img.height = 48;
        img.src = item.thumbnail;
        row.querySelector("[data-field='thumb']").replaceWith(img);
      }
      return row;
    });
    if (!rows.length) {
      const empty = document.createElement("li");
      empty.className = "lineup-empty muted";
      empty.textContent = "The seller has not picked the products yet.";
      rows.push(empty);
    }
    list.replaceChildren.apply(list, rows);
  }

  room.on("lineup.updated", function (message) { renderLineup(message.lineup || []); });
  // The host's console lists each lineup product's stock; it counts down as viewers buy.
  room.on("product.stock", function (message) {
    root.querySelectorAll("[data-product-id='" + Number(message.product_id) + "'] [data-lineup-available]").forEach(function (count) {
      count.textContent = String(message.available);
    });
  });

  /* ---------- The host's buttons: over the socket when it is up, as a plain form otherwise ---------- */
  root.querySelectorAll("[data-control]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      const type = form.dataset.socketType;
      if (!type || !room.isConnected()) return;
      event.preventDefault();
      const button = form.querySelector("button");
      if (button) button.disabled = true;
      room
        .send({ type: type })
        .catch(function (error) {
          if (error && (error.code === "offline" || error.code === "timeout")) {
            form.submit();
            return;
          }
          window.alert((error && error.message) || "That did not work.");
        })
        .finally(function () {
          if (button) button.disabled = false;
        });
    });
  });
})();
