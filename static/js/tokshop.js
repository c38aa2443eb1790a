/* Tokshop's page behaviour: menus, dismissible alerts, avatar preview, slug suggestion, relative
   times, and the live notification client. Loaded with `defer`, so the DOM is ready. */
(function () {
  "use strict";

  const body = document.body;

  /* ---------- Menus and dropdowns ---------- */

  function menuFor(toggle) {
    return document.getElementById(toggle.getAttribute("aria-controls"));
  }

  function setMenuOpen(toggle, open) {
    const menu = menuFor(toggle);
    if (!menu) return;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    // The phone nav is shown by CSS on wide screens, so it uses a class; dropdowns use `hidden`.
    if (menu.classList.contains("primary-nav")) {
      menu.classList.toggle("is-open", open);
    } else {
      menu.hidden = !open;
    }
  }

  function closeMenus(except) {
    document.querySelectorAll("[data-menu-toggle][aria-expanded='true']").forEach(function (toggle) {
      if (toggle !== except) setMenuOpen(toggle, false);
    });
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      closeMenus(toggle);
      setMenuOpen(toggle, open);
      return;
    }
    const insideOpenMenu = Array.from(document.querySelectorAll("[data-menu-toggle][aria-expanded='true']")).some(
      function (t) {
        const menu = menuFor(t);
        return menu && menu.contains(event.target);
      }
    );
    if (!insideOpenMenu) closeMenus(null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = document.querySelector("[data-menu-toggle][aria-expanded='true']");
    if (open) {
      closeMenus(null);
      open.focus();
    }
  });

  /* ---------- Account section tabs: on phones they scroll sideways; show the current one ---------- */

  document.querySelectorAll(".account-nav ul").forEach(function (strip) {
    const current = strip.querySelector(".is-active");
    if (current && strip.scrollWidth > strip.clientWidth) {
      strip.scrollLeft = current.offsetLeft - (strip.clientWidth - current.offsetWidth) / 2;
    }
  });

  /* ---------- Dismissible alerts and toasts ---------- */

  function dismiss(element) {
    element.classList.add("is-leaving");
    const remove = function () { element.remove(); };
    element.addEventListener("animationend", remove, { once: true });
    // Reduced-motion users get no animationend; do not leave the element behind.
    window.setTimeout(remove, 400);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-dismiss]");
    if (!button) return;
    const target = button.closest("[data-dismissible]");
    if (target) dismiss(target);
  });

  /* ---------- Avatar preview ---------- */

  document.querySelectorAll("[data-avatar-input]").forEach(function (input) {
    const preview = document.querySelector("[data-avatar-preview]");
    const filename = document.querySelector("[data-avatar-filename]");
    const clear = input.form && input.form.querySelector("input[name='avatar_clear']");
    let objectUrl = null;

    function showImage(url) {
      const img = document.createElement("img");
      img.alt = "";
      img.src = url;
      preview.replaceChildren(img);
    }

    function showInitial() {
      preview.replaceChildren(document.createTextNode(preview.dataset.initial || ""));
    }

    const original = preview && preview.querySelector("img") ? preview.querySelector("img").src : null;

    input.addEventListener("change", function () {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = null;
      const file = input.files && input.files[0];
      if (filename) filename.textContent = file ? file.name : "";
      if (!preview) return;
      if (file && file.type.indexOf("image/") === 0) {
        objectUrl = URL.createObjectURL(file);
        showImage(objectUrl);
        if (clear) clear.checked = false;
      } else if (original) {
        showImage(original);
      } else {
        showInitial();
      }
    });

    if (clear) {
      clear.addEventListener("change", function () {
        if (!preview) return;
        if (clear.checked) {
          input.value = "";
          if (filename) filename.textContent = "";
          showInitial();
        } else if (original) {
          showImage(original);
        }
      });
    }
  });

  /* ---------- Shop address suggested from the shop name ---------- */

  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/['\u2019]/g, "")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/g, "");
  }

  document.querySelectorAll("[data-slug-source]").forEach(function (source) {
    const target = source.form && source.form.querySelector("[data-slug-target]");
    if (!target) return;
    // Follow the name only while the address is empty or still the one we suggested.
    let following = target.value === "" || target.value === slugify(source.value);
    source.addEventListener("input", function () {
      if (following) target.value = slugify(source.value);
    });
    target.addEventListener("input", function () {
      following = target.value === "";
    });
    target.addEventListener("blur", function () {
      target.value = slugify(target.value);
    });
  });

  /* ---------- Relative times ---------- */

  const UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["week", 7 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
  ];

  // How far this device's clock is ahead of the server's, learned from the socket's `ts`.
  let serverOffsetMs = 0;

  // Worded like Django's timesince with depth 1, so server- and client-rendered times match.
  function ago(date) {
    const seconds = Math.max(0, (Date.now() - serverOffsetMs - date.getTime()) / 1000);
    if (seconds < 60) return "just now";
    for (const [name, size] of UNITS) {
      const count = Math.floor(seconds / size);
      if (count >= 1) return count + "\u00a0" + name + (count === 1 ? "" : "s") + " ago";
    }
    return "just now";
  }

  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-relative]").forEach(function (el) {
      const value = el.getAttribute("datetime");
      if (!value) return;
      const date = new Date(value);
      if (!isNaN(date.getTime())) el.textContent = ago(date);
    });
  }

  window.setInterval(refreshTimes, 60 * 1000);

  /* ---------- Notifications ---------- */

  if (body.dataset.authenticated !== "true") return;

  const DROPDOWN_SIZE = 8;
  const TOAST_MS = 6000;
  const PING_MS = 25000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  // Close codes after which reconnecting cannot help: signed out, or a page from another origin.
  const FINAL_CLOSE_CODES = [4001, 4003];
  const ACK_WAIT_MS = 800;

  const list = document.querySelector("[data-notification-list]");
  const empty = document.querySelector("[data-notification-empty]");
  const readAllButton = document.querySelector("[data-notification-read-all]");
  const itemTemplate = document.getElementById("notification-item-template");
  const toastTemplate = document.getElementById("toast-template");
  const toasts = document.getElementById("toasts");
  const fallbackUrl = body.dataset.notificationsUrl || "/";
  const baseTitle = document.title;

  function countBadge() {
    // Looked up each time: an htmx response may swap the badge for a fresh copy.
    return document.getElementById("notification-count");
  }

  // Mirrors the server's rule: browsers strip control characters and read a backslash as "/", so
  // "/\t/evil.example" would become "//evil.example", another site.
  function sitePath(url) {
    return typeof url === "string" && /^\/(?!\/)[^\s\\\x00-\x1f\x7f]*$/.test(url) ? url : "";
  }

  function setUnreadCount(count) {
    const badge = countBadge();
    if (badge) {
      const previous = badge.hidden ? 0 : parseInt(badge.textContent, 10) || 0;
      badge.textContent = String(count);
      badge.hidden = count <= 0;
      if (count > previous) {
        badge.classList.remove("is-bumped");
        // Reading offsetWidth restarts the animation on an element that already ran it.
        void badge.offsetWidth;
        badge.classList.add("is-bumped");
      }
    }
    const bell = document.querySelector("[data-testid='notification-bell']");
    if (bell) bell.setAttribute("aria-label", count > 0 ? "Notifications, " + count + " unread" : "Notifications");
    if (readAllButton) readAllButton.hidden = count <= 0;
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  function buildItem(notification) {
    const fragment = itemTemplate.content.cloneNode(true);
    const item = fragment.querySelector("[data-notification-id]");
    const link = item.querySelector("[data-notification-link]");
    item.dataset.notificationId = String(notification.id);
    item.classList.toggle("is-unread", !notification.read_at);
    link.href = sitePath(notification.url) || fallbackUrl;
    item.querySelector("[data-field='title']").textContent = notification.title;
    const bodyEl = item.querySelector("[data-field='body']");
    bodyEl.textContent = notification.body || "";
    bodyEl.hidden = !notification.body;
    const time = item.querySelector("[data-field='time']");
    time.setAttribute("datetime", notification.created_at);
    time.textContent = ago(new Date(notification.created_at));
    return item;
  }

  function syncEmptyState() {
    if (empty && list) empty.hidden = list.children.length > 0;
  }

  function renderList(notifications) {
    if (!list || !itemTemplate) return;
    list.replaceChildren.apply(list, notifications.slice(0, DROPDOWN_SIZE).map(buildItem));
    syncEmptyState();
  }

  function prependItem(notification) {
    if (!list || !itemTemplate) return;
    const existing = list.querySelector("[data-notification-id='" + notification.id + "']");
    if (existing) existing.remove();
    const item = buildItem(notification);
    item.classList.add("is-new");
    list.prepend(item);
    while (list.children.length > DROPDOWN_SIZE) list.lastElementChild.remove();
    syncEmptyState();
  }

  function markReadOnPage(ids) {
    // Every copy on the page: the dropdown, the home feed and the notifications list.
    const selector = ids === null
      ? "[data-notification-id].is-unread"
      : ids.map(function (id) { return "[data-notification-id='" + id + "']"; }).join(",");
    if (!selector) return;
    document.querySelectorAll(selector).forEach(function (el) { el.classList.remove("is-unread"); });
  }

  function showToast(notification) {
    if (!toastTemplate || !toasts) return;
    const toast = toastTemplate.content.firstElementChild.cloneNode(true);
    toast.querySelector("[data-toast-title]").textContent = notification.title;
    const bodyEl = toast.querySelector("[data-toast-body]");
    bodyEl.textContent = notification.body || "";
    bodyEl.hidden = !notification.body;
    const link = toast.querySelector("[data-toast-link]");
    link.href = sitePath(notification.url) || fallbackUrl;
    link.dataset.notificationId = String(notification.id);
    toasts.append(toast);
    let timer = window.setTimeout(function () { dismiss(toast); }, TOAST_MS);
    // Hovering keeps the toast up long enough to read and click it.
    toast.addEventListener("mouseenter", function () { window.clearTimeout(timer); });
    toast.addEventListener("mouseleave", function () {
      timer = window.setTimeout(function () { dismiss(toast); }, TOAST_MS / 2);
    });
    while (toasts.children.length > 3) toasts.firstElementChild.remove();
  }

  /* The socket: snapshot on connect, then sequenced events; after a drop it reconnects with
     `since` so the server sends only what was missed (or a fresh snapshot). */
  const socket = {
    ws: null,
    seq: null,
    backoff: BACKOFF_MIN_MS,
    retryTimer: null,
    pingTimer: null,
    heardSincePing: true,
    stopped: false,
    waiting: {},

    url: function () {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const since = this.seq === null ? "" : "?since=" + encodeURIComponent(this.seq);
      return scheme + "://" + location.host + "/ws/notifications/" + since;
    },

    connect: function () {
      if (this.stopped || this.ws) return;
      window.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      let ws;
      try {
        ws = new WebSocket(this.url());
      } catch (error) {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      const self = this;
      ws.addEventListener("open", function () {
        self.heardSincePing = true;
        self.pingTimer = window.setInterval(function () { self.ping(); }, PING_MS);
      });
      ws.addEventListener("message", function (event) {
        self.heardSincePing = true;
        // The server accepts before it checks credentials; only a real frame proves the
        // connection is healthy, so the backoff resets here rather than on "open".
        self.backoff = BACKOFF_MIN_MS;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        self.handle(frame);
      });
      ws.addEventListener("close", function (event) {
        window.clearInterval(self.pingTimer);
        self.pingTimer = null;
        if (self.ws === ws) self.ws = null;
        self.flushWaiting(false);
        if (FINAL_CLOSE_CODES.indexOf(event.code) !== -1) {
          self.stopped = true;
          return;
        }
        self.scheduleReconnect();
      });
    },

    scheduleReconnect: function () {
      if (this.stopped || this.retryTimer) return;
      // Jitter spreads reconnects out when a server restart drops every client at once.
      const delay = this.backoff / 2 + Math.random() * (this.backoff / 2);
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      const self = this;
      this.retryTimer = window.setTimeout(function () {
        self.retryTimer = null;
        self.connect();
      }, delay);
    },

    reconnectNow: function () {
      if (this.ws) {
        this.ws.close();
      } else if (!this.stopped) {
        window.clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.connect();
      }
    },

    ping: function () {
      if (!this.heardSincePing) {
        // Nothing came back since the last ping: the connection is dead without having said so.
        this.reconnectNow();
        return;
      }
      this.heardSincePing = false;
      this.send({ type: "ping" });
    },

    isOpen: function () {
      return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
    },

    send: function (message) {
      if (!this.isOpen()) return false;
      this.ws.send(JSON.stringify(message));
      return true;
    },

    /* Send a request with a `ref` and resolve when its acknowledgement (or error) arrives. */
    request: function (message) {
      const ref = newRef();
      const self = this;
      return new Promise(function (resolve) {
        if (!self.send(Object.assign({ ref: ref }, message))) {
          resolve(false);
          return;
        }
        const timer = window.setTimeout(function () {
          delete self.waiting[ref];
          resolve(false);
        }, ACK_WAIT_MS);
        self.waiting[ref] = function (ok) {
          window.clearTimeout(timer);
          delete self.waiting[ref];
          resolve(ok);
        };
      });
    },

    flushWaiting: function (ok) {
      Object.keys(this.waiting).forEach(function (ref) { socket.waiting[ref](ok); });
    },

    handle: function (frame) {
      if (typeof frame.ts === "number") serverOffsetMs = Date.now() - frame.ts;
      if (frame.type === "notification.snapshot") {
        this.seq = frame.seq;
        setUnreadCount(frame.unread_count);
        renderList(frame.notifications || []);
        return;
      }
      if (typeof frame.seq === "number" && this.seq !== null) {
        if (frame.seq <= this.seq) return;
        if (frame.seq > this.seq + 1) {
          // A gap: ask the server again from the last event we have.
          this.reconnectNow();
          return;
        }
      }
      if (typeof frame.seq === "number") this.seq = frame.seq;
      switch (frame.type) {
        case "notification.created":
          prependItem(frame.notification);
          setUnreadCount(frame.unread_count);
          showToast(frame.notification);
          break;
        case "notification.read":
          markReadOnPage(frame.all ? null : frame.ids || []);
          setUnreadCount(frame.unread_count);
          break;
        case "notification.read_ack":
          if (this.waiting[frame.ref]) this.waiting[frame.ref](true);
          break;
        case "error":
          if (frame.ref && this.waiting[frame.ref]) this.waiting[frame.ref](false);
          break;
        default:
          break;
      }
    },
  };

  function newRef() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  /* Mark read over the socket; when it is down, through the REST API, which survives navigation. */
  function markRead(ids) {
    const message = ids === null ? { type: "notification.read_all" } : { type: "notification.read", ids: ids };
    return socket.request(message).then(function (acknowledged) {
      if (acknowledged) return true;
      const url = body.dataset.notificationsReadApi;
      if (!url) return false;
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(ids === null ? {} : { ids: ids }),
      })
        .then(function (response) {
          if (!response.ok) return false;
          return response.json().then(function (data) {
            markReadOnPage(ids);
            if (typeof data.unread_count === "number") setUnreadCount(data.unread_count);
            return true;
          });
        })
        .catch(function () { return false; });
    });
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-notification-link], [data-toast-link]");
    if (!link || event.defaultPrevented) return;
    const holder = link.closest("[data-notification-id]");
    const id = parseInt(holder ? holder.dataset.notificationId : "", 10);
    if (!id || !document.querySelector(".is-unread[data-notification-id='" + id + "']")) return;
    // New-tab clicks open the page elsewhere; mark read without holding this page.
    const newTab = event.metaKey || event.ctrlKey || event.shiftKey || event.button === 1;
    markReadOnPage([id]);
    if (newTab) {
      markRead([id]);
      return;
    }
    event.preventDefault();
    const href = link.href;
    markRead([id]).then(function () { window.location.assign(href); });
  });

  if (readAllButton) {
    readAllButton.addEventListener("click", function () {
      markReadOnPage(null);
      setUnreadCount(0);
      markRead(null);
    });
  }

  window.addEventListener("online", function () { socket.reconnectNow(); });
  window.addEventListener("pagehide", function () {
    socket.stopped = true;
    if (socket.ws) socket.ws.close(1000, "page_closed");
  });
  window.addEventListener("pageshow", function (event) {
    // Restored from the back/forward cache: the socket was closed on the way out.
    if (event.persisted) {
      socket.stopped = false;
      socket.connect();
    }
  });

  socket.connect();
})();
