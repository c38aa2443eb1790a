/* Giveaways in the live room (the card with its countdown, Enter button, entrant count and result)
   and in the host's console (start one on a lineup product, draw now). Registers with the core
   client (static/js/room.js, window.TokshopRoom): the state comes from the room's snapshot, then
   from the giveaway.* events; countdowns run on the server's clock (TokshopRoom.serverNow()). */
(function () {
  "use strict";

  const room = window.TokshopRoom;
  if (!room) return;

  const card = document.querySelector("[data-giveaway]");
  const consoleBox = document.querySelector("[data-console-giveaway]");
  if (!card && !consoleBox) return;

  let giveaway = null;
  let entered = false;

  function $(scope, selector) {
    return scope ? scope.querySelector(selector) : null;
  }

  const clock = room.countdown;
  const say = room.say;
  const refusal = room.refusal;

  function entrants(n) {
    return n + (n === 1 ? " entrant" : " entrants");
  }

  function outcome() {
    if (!giveaway || giveaway.status === "running") return "";
    if (giveaway.status === "cancelled") return "Nobody entered, so nobody won this time.";
    if (giveaway.winner && giveaway.winner.id === room.viewer.user_id) return "You won! It is yours at no charge, shipping included.";
    return "Winner: " + giveaway.winner.name;
  }

  function renderCard() {
    if (!card) return;
    card.hidden = !giveaway;
    if (!giveaway) return;
    const running = giveaway.status === "running";
    card.classList.toggle("is-over", !running);
    $(card, "[data-giveaway-product]").textContent = giveaway.product.title;
    $(card, "[data-giveaway-entrants]").textContent = entrants(giveaway.entrants);
    $(card, "[data-giveaway-kind]").textContent = giveaway.entry === "followers" ? " · followers only" : "";
    $(card, "[data-giveaway-rules]").href = giveaway.rules_url;
    const button = $(card, "[data-giveaway-enter]");
    if (button) {
      button.hidden = !running;
      button.disabled = entered || clock(giveaway.ends_at).done;
      button.lastChild.textContent = entered ? "Entered" : "Enter";
    }
    const result = $(card, "[data-giveaway-result]");
    if (!running) {
      say(result, outcome());
      const won = giveaway.winner && giveaway.winner.id === room.viewer.user_id;
      if (won) {
        const link = document.createElement("a");
        link.href = card.dataset.ordersUrl;
        link.textContent = "Your orders";
        link.className = "button button-secondary button-sm";
        result.append(" ", link);
      }
      say($(card, "[data-giveaway-clock]"), giveaway.status === "drawn" ? "Drawn" : "Ended");
    } else if (entered) {
      say(result, "You are in. Good luck!");
    } else {
      say(result, "");
    }
  }

  function renderConsole() {
    if (!consoleBox) return;
    const box = $(consoleBox, "[data-console-giveaway-box]");
    const form = $(consoleBox, "[data-console-giveaway-form]");
    const running = giveaway && giveaway.status === "running";
    box.hidden = !giveaway;
    if (form) form.hidden = !!running;
    if (!giveaway) return;
    $(box, "[data-console-giveaway-badge]").textContent = running ? "Running" : giveaway.status === "drawn" ? "Drawn" : "Cancelled";
    $(box, "[data-console-giveaway-text]").textContent = giveaway.product.title + (giveaway.entry === "followers" ? " (followers only)" : "");
    $(box, "[data-console-giveaway-entrants]").textContent = entrants(giveaway.entrants);
    $(box, "[data-console-giveaway-rules]").href = giveaway.rules_url;
    $(box, "[data-console-giveaway-draw]").hidden = !running;
    say($(box, "[data-console-giveaway-result]"), running ? "" : outcome());
    if (!running) $(box, "[data-console-giveaway-clock]").textContent = "Over";
  }

  function render() {
    renderCard();
    renderConsole();
  }

  window.setInterval(function () {
    if (!giveaway || giveaway.status !== "running") return;
    const left = clock(giveaway.ends_at);
    const text = left.done ? "Drawing…" : "Ends in " + left.text;
    if (card) $(card, "[data-giveaway-clock]").textContent = text;
    if (consoleBox) $(consoleBox, "[data-console-giveaway-clock]").textContent = text;
    const button = $(card, "[data-giveaway-enter]");
    if (button && left.done) button.disabled = true;
  }, 250);

  function set(next, youEntered) {
    giveaway = next;
    entered = !!youEntered;
    render();
  }

  room.on("room.snapshot", function (snapshot) {
    const next = snapshot.giveaway || null;
    set(next, next && next.you_entered);
  });
  room.on("giveaway.started", function (event) {
    set(event.giveaway, false);
  });
  room.on("giveaway.entered", function (event) {
    if (!giveaway || giveaway.id !== event.giveaway_id) return;
    giveaway.entrants = Math.max(giveaway.entrants, event.entrants);
    render();
  });
  room.on("giveaway.drawn", function (event) {
    if (giveaway && giveaway.id !== event.giveaway.id && giveaway.status === "running") return;
    set(event.giveaway, entered);
  });

  if (card) {
    const button = $(card, "[data-giveaway-enter]");
    if (button) {
      button.addEventListener("click", function () {
        if (!giveaway) return;
        button.disabled = true;
        room.send({ type: "giveaway.enter", giveaway_id: giveaway.id }).then(function () {
          entered = true;
          render();
        }, function (error) {
          if (error && error.code === "already_entered") entered = true;
          render();
          if (!entered) say($(card, "[data-giveaway-result]"), refusal(error), true);
        });
      });
    }
  }

  if (consoleBox) {
    const result = $(consoleBox, "[data-console-result]");
    const form = $(consoleBox, "[data-console-giveaway-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        say(result, "");
        room.send({
          type: "giveaway.start",
          item_id: parseInt(form.elements.item_id.value, 10),
          entry: form.elements.entry.value,
          seconds: parseInt(form.elements.seconds.value, 10),
        }).catch(function (error) { say(result, refusal(error), true); });
      });
    }
    $(consoleBox, "[data-console-giveaway-draw]").addEventListener("click", function (event) {
      if (!giveaway) return;
      event.currentTarget.disabled = true;
      const button = event.currentTarget;
      room.send({ type: "giveaway.draw", giveaway_id: giveaway.id }).then(function () {
        button.disabled = false;
      }, function (error) {
        button.disabled = false;
        say($(consoleBox, "[data-console-giveaway-result]"), refusal(error), true);
      });
    });
  }
})();
