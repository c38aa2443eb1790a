/* The live room's chat, reactions, typing line and viewer count, on the core client
   (window.TokshopRoom, static/js/room.js). Moderators get delete, mute and ban on each line.
   Loaded with `defer` after room.js. */
(function () {
  "use strict";

  const room = window.TokshopRoom;
  const roots = Array.from(document.querySelectorAll("[data-room-chat]"));
  if (!room || !roots.length) return;

  const GLYPHS = { heart: "❤️", fire: "🔥", laugh: "😂", clap: "👏", wow: "😮", money: "💸" };
  const LABELS = { heart: "Love it", fire: "Fire", laugh: "Funny", clap: "Applause", wow: "Wow", money: "Take my money" };
  const MAX_LINES = 200;
  const HEARTBEAT_MS = 30000;
  const TYPING_EVERY_MS = 2500;
  const FLOATERS_PER_TALLY = 8;

  let heartbeatMs = HEARTBEAT_MS;
  let chatOpen = true;
  let lastTyping = 0;

  function me() {
    return (room.viewer && room.viewer.user_id) || null;
  }

  function canModerate(root) {
    return root.hasAttribute("data-can-moderate") && room.viewer && room.viewer.can_moderate;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function timeOf(iso) {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  /* ---------- Chat lines ---------- */

  function moderationButtons(root, message) {
    const tools = element("span", "chat-line-tools");
    const actions = [
      ["delete", "Delete"],
      ["mute", "Mute 10 min"],
      ["ban", "Ban"],
    ];
    actions.forEach(function (pair) {
      const button = element("button", "link-button chat-line-tool", pair[1]);
      button.type = "button";
      button.dataset.chatAction = pair[0];
      button.dataset.messageId = String(message.id);
      button.dataset.userId = String(message.sender.id);
      button.dataset.userName = message.sender.name;
      tools.appendChild(button);
    });
    return tools;
  }

  function lineFor(root, message) {
    const line = element("li", "chat-line chat-line-" + message.kind);
    line.dataset.id = String(message.id);
    if (message.kind === "chat" && message.sender) {
      const name = element("span", "chat-line-name", message.sender.name);
      if (message.is_host) {
        name.appendChild(element("span", "badge badge-brand chat-line-badge", "Host"));
      }
      line.appendChild(name);
      line.appendChild(element("span", "chat-line-text", message.text));
      const own = message.sender.id === me();
      if (canModerate(root) && !own && !message.is_host) {
        line.appendChild(moderationButtons(root, message));
      } else if (me() && !own) {
        // Viewers report a line to the seller's moderators on the report page (no script needed there).
        const tools = element("span", "chat-line-tools");
        const report = element("a", "chat-line-tool", "Report");
        report.href = "/report/message/" + message.id + "/";
        report.rel = "nofollow";
        report.setAttribute("aria-label", "Report " + message.sender.name + "'s message");
        tools.appendChild(report);
        line.appendChild(tools);
      }
    } else if (message.kind === "product" && message.product) {
      line.appendChild(element("span", "chat-line-label", "Featured"));
      line.appendChild(element("span", "chat-line-text", message.product.title));
      const price = (message.product.price_cents / 100).toLocaleString(undefined, {
        style: "currency",
        currency: message.product.currency || "USD",
      });
      line.appendChild(element("span", "chat-line-price", price));
    } else {
      line.appendChild(element("span", "chat-line-text", message.text));
    }
    line.title = timeOf(message.created_at);
    return line;
  }

  function listOf(root) {
    return root.querySelector("[data-chat-list]");
  }

  function atBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function append(root, message) {
    const list = listOf(root);
    if (list.querySelector('[data-id="' + message.id + '"]')) return;
    const follow = atBottom(list);
    list.appendChild(lineFor(root, message));
    const empty = list.querySelector("[data-chat-empty]");
    if (empty) empty.hidden = true;
    while (list.querySelectorAll(".chat-line").length > MAX_LINES) list.querySelector(".chat-line").remove();
    if (follow) list.scrollTop = list.scrollHeight;
  }

  function reset(root, messages) {
    const list = listOf(root);
    list.querySelectorAll(".chat-line").forEach(function (line) {
      line.remove();
    });
    const empty = list.querySelector("[data-chat-empty]");
    if (empty) empty.hidden = messages.length > 0;
    messages.forEach(function (message) {
      append(root, message);
    });
    list.scrollTop = list.scrollHeight;
  }

  function remove(id) {
    document.querySelectorAll('[data-chat-list] [data-id="' + id + '"]').forEach(function (line) {
      line.remove();
    });
  }

  /* ---------- Composer and notices ---------- */

  function notice(root, text) {
    const box = root.querySelector("[data-chat-notice]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function setChatOpen(open, reason) {
    chatOpen = open;
    roots.forEach(function (root) {
      const composer = root.querySelector("[data-chat-composer]");
      const staff = canModerate(root);
      if (composer) composer.hidden = !open && !staff;
      if (!open && !staff) notice(root, reason);
      else if (open) notice(root, "");
    });
  }

  function applyShow(show) {
    if (!show) return;
    const over = ["ended", "cancelled", "error"].indexOf(show.status) !== -1;
    if (over) setChatOpen(false, "The show is over: the chat is closed.");
    else if (!show.chat_enabled) setChatOpen(false, "The host turned the chat off.");
    else setChatOpen(true, "");
  }

  roots.forEach(function (root) {
    const composer = root.querySelector("[data-chat-composer]");
    if (!composer) return;
    const input = composer.querySelector("input[name='text']");
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.disabled = true;
      room
        .send({ type: "chat.post", text: text })
        .then(function (ack) {
          input.value = "";
          if (ack.status === "held") notice(root, ack.note || "A moderator will look at your message first.");
          else notice(root, ack.note || "");
        })
        .catch(function (error) {
          notice(root, (error && error.message) || "Your message was not sent.");
        })
        .finally(function () {
          input.disabled = false;
          input.focus();
        });
    });
    input.addEventListener("input", function () {
      const now = Date.now();
      if (!chatOpen || now - lastTyping < TYPING_EVERY_MS) return;
      lastTyping = now;
      room.send({ type: "presence.typing" }).catch(function () {});
    });
  });

  /* ---------- Moderating from the chat ---------- */

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-chat-action]");
    if (!button) return;
    const root = button.closest("[data-room-chat]");
    const action = button.dataset.chatAction;
    const name = button.dataset.userName;
    let request;
    if (action === "delete") {
      request = { type: "chat.delete", id: Number(button.dataset.messageId) };
    } else {
      const reason = window.prompt((action === "ban" ? "Ban " : "Mute ") + name + " from this show: why?");
      if (!reason || !reason.trim()) return;
      request = { type: "room.moderate", user_id: Number(button.dataset.userId), action: action, reason: reason.trim() };
      if (action === "mute") request.minutes = 10;
    }
    button.disabled = true;
    room
      .send(request)
      .then(function () {
        if (action !== "delete") notice(root, name + (action === "ban" ? " was banned." : " was muted for 10 minutes."));
      })
      .catch(function (error) {
        notice(root, (error && error.message) || "That did not work.");
      })
      .finally(function () {
        button.disabled = false;
      });
  });

  /* ---------- Reactions ---------- */

  function drawReactions(choices, counts) {
    document.querySelectorAll("[data-reactions]").forEach(function (bar) {
      bar.querySelectorAll("[data-reaction]").forEach(function (button) {
        button.remove();
      });
      choices.forEach(function (emoji) {
        const button = element("button", "room-reaction");
        button.type = "button";
        button.dataset.reaction = emoji;
        button.setAttribute("aria-label", LABELS[emoji] || emoji);
        button.appendChild(element("span", "room-reaction-glyph", GLYPHS[emoji] || emoji));
        const count = element("span", "room-reaction-count", String(counts[emoji] || 0));
        count.dataset.reactionCount = emoji;
        button.appendChild(count);
        bar.appendChild(button);
      });
    });
  }

  function setCounts(counts) {
    document.querySelectorAll("[data-reaction-count]").forEach(function (node) {
      node.textContent = String(counts[node.dataset.reactionCount] || 0);
    });
  }

  function float(emoji) {
    document.querySelectorAll("[data-reactions-float]").forEach(function (layer) {
      const bubble = element("span", "room-reaction-floater", GLYPHS[emoji] || "");
      bubble.style.setProperty("--drift", Math.round(Math.random() * 60 - 30) + "px");
      bubble.style.left = Math.round(10 + Math.random() * 80) + "%";
      layer.appendChild(bubble);
      bubble.addEventListener("animationend", function () {
        bubble.remove();
      });
    });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-reaction]");
    if (!button || !me()) return;
    float(button.dataset.reaction);
    room.send({ type: "reaction.send", emoji: button.dataset.reaction }).catch(function () {});
  });

  /* ---------- Presence ---------- */

  function setViewers(counts) {
    const fields = { current: "[data-viewers-current]", peak: "[data-viewers-peak]", unique: "[data-viewers-unique]" };
    Object.keys(fields).forEach(function (key) {
      document.querySelectorAll(fields[key]).forEach(function (node) {
        node.textContent = Number(counts[key] || 0).toLocaleString();
      });
    });
  }

  function typingLine(names, ids) {
    const others = names.filter(function (name, index) {
      return ids[index] !== me();
    });
    if (!others.length) return "";
    if (others.length === 1) return others[0] + " is typing…";
    if (others.length === 2) return others[0] + " and " + others[1] + " are typing…";
    return "Several people are typing…";
  }

  function beat() {
    room
      .send({ type: "presence.heartbeat", state: document.hidden ? "away" : "online" })
      .then(function (ack) {
        if (ack && ack.interval) heartbeatMs = ack.interval * 1000;
      })
      .catch(function () {});
  }

  (function schedule() {
    window.setTimeout(function () {
      beat();
      schedule();
    }, heartbeatMs);
  })();
  document.addEventListener("visibilitychange", beat);

  /* ---------- Events ---------- */

  room.on("room.snapshot", function (snapshot) {
    if (snapshot.chat) {
      roots.forEach(function (root) {
        reset(root, snapshot.chat.messages || []);
      });
    }
    if (snapshot.reactions) drawReactions(snapshot.reactions.choices || [], snapshot.reactions.counts || {});
    if (snapshot.presence) setViewers(snapshot.presence);
    applyShow(snapshot.show);
  });
  room.on("chat.posted", function (event) {
    roots.forEach(function (root) {
      append(root, event.message);
    });
  });
  room.on("chat.deleted", function (event) {
    remove(event.id);
  });
  room.on("reaction.tallied", function (event) {
    setCounts(event.counts || {});
    let floaters = 0;
    Object.keys(event.delta || {}).forEach(function (emoji) {
      for (let n = 0; n < event.delta[emoji] && floaters < FLOATERS_PER_TALLY; n += 1, floaters += 1) float(emoji);
    });
  });
  room.on("presence.count", setViewers);
  room.on("presence.typing", function (event) {
    const text = typingLine(event.names || [], event.user_ids || []);
    document.querySelectorAll("[data-chat-typing]").forEach(function (node) {
      node.textContent = text;
    });
  });
  room.on("show.status_changed", function (event) {
    applyShow(event.show);
  });
})();
