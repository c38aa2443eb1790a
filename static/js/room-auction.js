/* Auctions in the live room (bidding) and the host's console (starting, opening, cancelling and
   watching them). Registers with the core client (static/js/room.js, window.TokshopRoom): the state
   comes from the room's snapshot, then from the events; bids and controls are socket messages with
   their replies. The countdown runs on the server's clock (TokshopRoom.serverNow()). */
(function () {
  "use strict";

  const room = window.TokshopRoom;
  if (!room) return;

  const BIDS_SHOWN = 30;

  const roomBox = document.querySelector("[data-auction-room]");
  const consoleBox = document.querySelector("[data-auction-console]");

  // What a refusal means to the person who sent it; codes are those of docs/protocol.md.
  const REFUSALS = {
    invalid_amount: "Enter an amount in dollars and cents, up to $100,000.",
    invalid_bid: "That bid could not be read: reload the page and try again.",
    unexpected_field: "That bid could not be read: reload the page and try again.",
    auction_not_found: "This auction is no longer running.",
    max_below_price: "Your max must be at least the current price.",
    not_open: "Bidding on this lot has not opened yet.",
    ended: "Too late: this auction has ended.",
    buy_now_unavailable: "Buy it now is gone: the bidding has passed its price.",
    own_lot: "This is your own lot: you cannot bid on it.",
    linked_account: "This account is linked to the seller's, so it cannot bid on their lots.",
    no_payment_method: "Save a card to bid: the winner is charged with it.",
    rate_limited: "Slow down: too many bids in a second.",
    bid_not_recorded: "Your bid could not be saved: place it again.",
    sign_in_required: "Sign in to bid.",
    offline: "Not connected: your bid was not sent. Try again in a moment.",
    timeout: "No answer yet: check the price, then bid again if yours is not there.",
    not_host: "Only the host and the show's moderators run auctions.",
    not_on_air: "The show is not on air: go live first.",
    not_in_lineup: "That product is not in this show's lineup.",
    not_sold: "That product is no longer sold.",
    sold_out: "That product is sold out.",
    auction_running: "Another auction is running: wait for it to close.",
    auction_exists: "That product already has an auction waiting.",
    not_waiting: "That auction is not waiting to open.",
    has_bids: "Bids are in: the auction can no longer be cancelled.",
    auction_over: "That auction is over.",
    show_over: "The show is over.",
  };

  function $(scope, selector) {
    return scope ? scope.querySelector(selector) : null;
  }

  const money = room.money;

  function cents(value) {
    const amount = parseFloat(String(value).replace(",", "."));
    return isFinite(amount) ? Math.round(amount * 100) : NaN;
  }

  function stepAt(table, price) {
    let step = table[0][1];
    table.forEach(function (row) {
      if (row[0] <= price) step = row[1];
    });
    return step;
  }

  const say = room.say;

  function refusal(error, auction) {
    const code = error && error.code;
    const currency = (auction && auction.currency) || "USD";
    if (code === "too_low" && error.next_minimum_cents) {
      return "Too low: the least you can bid now is " + money(error.next_minimum_cents, currency) + ".";
    }
    if (code === "max_below_price" && error.price_cents) {
      return "Your max must be at least the current price, " + money(error.price_cents, currency) + ".";
    }
    if (code === "invalid" && error.fields) {
      const first = Object.keys(error.fields)[0];
      if (first && error.fields[first].length) return error.fields[first][0];
    }
    // The server says which rule bars the bidder (followers only, a ban, unpaid wins).
    if (code === "not_allowed") return (error.message || "You may not bid on this lot.");
    return REFUSALS[code] || (error && error.message) || "That did not work: try again.";
  }

  function newRef(kind) {
    return kind + "-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
  }

  function remaining(auction) {
    if (!auction || !auction.ends_at) return null;
    const left = Math.max(0, auction.ends_at - room.serverNow());
    const seconds = Math.ceil(left / 1000);
    return { done: left <= 0, text: Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0"), seconds: seconds };
  }

  /* ---------------------------------------------------------------- state */
  let current = null;
  let prebids = [];
  let bids = [];

  function merge(auction, previous) {
    // Events carry no viewer's own figures: keep those the viewer already had for this lot.
    if (previous && previous.id === auction.id) {
      if (auction.your_max_cents === undefined) auction.your_max_cents = previous.your_max_cents;
      if (auction.you_lead === undefined) auction.you_lead = previous.you_lead;
    }
    return auction;
  }

  function setCurrent(auction) {
    const previous = current && auction && current.id === auction.id ? current : prebids.filter(function (lot) {
      return auction && lot.id === auction.id;
    })[0];
    current = auction ? merge(auction, previous) : null;
    if (current) prebids = prebids.filter(function (lot) { return lot.id !== current.id; });
  }

  function render() {
    if (roomBox) renderRoom();
    if (consoleBox) renderConsole();
  }

  function nextAmounts(auction) {
    const first = auction.next_minimum_cents;
    const second = first + stepAt(auction.increments, first);
    return [first, second, second + stepAt(auction.increments, second)];
  }

  /* ---------------------------------------------------------------- the room */
  let lastPlaced = {};

  function renderRoom() {
    const card = $(roomBox, "[data-auction-card]");
    const showCard = !!current && current.status !== "cancelled";
    roomBox.hidden = !showCard && prebids.length === 0;
    card.hidden = !showCard;
    renderPrebids();
    if (!showCard) return;
    const a = current;
    const open = a.status === "open";
    const closed = a.status === "closed";
    roomBox.querySelectorAll("[data-auction-link]").forEach(function (link) { link.href = a.product.url; });
    $(card, "[data-auction-title]").textContent = a.product.title;
    const image = $(card, "[data-auction-image]");
    image.hidden = !a.product.image;
    if (a.product.image) image.src = a.product.image;
    $(card, "[data-auction-noimage]").hidden = !!a.product.image;
    $(card, "[data-auction-badge]").textContent = open ? "Live auction" : closed ? "Auction ended" : "Auction";
    $(card, "[data-auction-price]").textContent = a.bid_count ? money(a.price_cents, a.currency) : "Starts at " + money(a.starting_cents, a.currency);
    $(card, "[data-auction-price-label]").textContent = closed ? "Final price" : "Current bid";
    $(card, "[data-auction-leader-label]").textContent = closed ? "Winner" : "Leader";
    $(card, "[data-auction-leader]").textContent = closed ? a.winner_name || "None" : a.leader_name || "No bids yet";
    $(card, "[data-auction-count]").textContent = String(a.bid_count);
    const yourMax = $(card, "[data-auction-yourmax-row]");
    yourMax.hidden = !a.your_max_cents;
    if (a.your_max_cents) $(card, "[data-auction-yourmax]").textContent = money(a.your_max_cents, a.currency);
    const state = $(card, "[data-auction-state]");
    state.className = "auction-state";
    if (open && a.your_max_cents) {
      state.textContent = a.you_lead ? "You're winning" : "Outbid: bid again to lead";
      state.classList.add(a.you_lead ? "is-winning" : "is-outbid");
    } else {
      state.textContent = "";
    }
    const notes = [];
    if (a.mode === "soft_close") notes.push("Soft close: a bid in the last " + a.window_seconds + " s extends the end");
    else notes.push("Sudden death: ends on time");
    if (a.extensions) notes.push("extended " + a.extensions + (a.extensions === 1 ? " time" : " times"));
    if (a.has_reserve) notes.push(a.reserve_met ? "reserve met" : "reserve not met yet");
    $(card, "[data-auction-note]").textContent = notes.join(" · ");
    card.dataset.endsAt = a.ends_at ? String(a.ends_at) : "";
    card.dataset.status = a.status;

    const actions = $(card, "[data-auction-actions]");
    if (actions) {
      actions.hidden = !open;
      nextAmounts(a).forEach(function (amount, index) {
        const button = $(actions, "[data-auction-bid='" + index + "']");
        button.dataset.amount = String(amount);
        button.textContent = "Bid " + money(amount, a.currency);
      });
      const buyNow = $(actions, "[data-auction-buynow]");
      buyNow.hidden = !a.buy_now_cents || a.price_cents >= a.buy_now_cents;
      if (a.buy_now_cents) buyNow.textContent = "Buy it now for " + money(a.buy_now_cents, a.currency);
      const amount = $(actions, "[data-auction-amount]");
      amount.min = (a.next_minimum_cents / 100).toFixed(2);
      amount.placeholder = "At least " + money(a.next_minimum_cents, a.currency);
    }
    const signIn = $(card, "[data-auction-signin]");
    if (signIn) signIn.hidden = !open;

    const result = $(card, "[data-auction-result]");
    result.hidden = !closed;
    if (closed) renderResult(result, a);
    tickRoom();
  }

  function renderResult(result, a) {
    const sold = a.outcome === "sold" || a.outcome === "bought_now";
    const won = sold && a.you_lead;
    let title;
    let text;
    if (won) {
      title = "You won!";
      text = a.product.title + " is yours for " + money(a.price_cents, a.currency) + ". We charge your saved card, or ask you to pay on your auctions page.";
    } else if (sold) {
      title = "Sold to " + a.winner_name + " for " + money(a.price_cents, a.currency);
      text = a.your_max_cents ? "Your max of " + money(a.your_max_cents, a.currency) + " was not enough this time." : a.bid_count + (a.bid_count === 1 ? " bid." : " bids.");
    } else if (a.outcome === "reserve_not_met") {
      title = "Not sold: the reserve was not met";
      text = "The best bid was " + money(a.price_cents, a.currency) + ".";
    } else {
      title = "Not sold: no bids";
      text = "The auction ended without a bid.";
    }
    result.classList.toggle("is-won", won);
    $(result, "[data-auction-result-title]").textContent = title;
    $(result, "[data-auction-result-text]").textContent = text;
    $(result, "[data-auction-orders]").hidden = !won;
  }

  function tickRoom() {
    const clockNode = $(roomBox, "[data-auction-clock]");
    if (!current || !clockNode) return;
    if (current.status === "closed") {
      clockNode.textContent = "Ended";
      clockNode.classList.remove("is-ending");
      return;
    }
    const left = remaining(current);
    if (!left) {
      clockNode.textContent = current.status === "scheduled" ? "Opens soon" : "";
      return;
    }
    clockNode.textContent = left.done ? "Closing…" : left.text;
    clockNode.classList.toggle("is-ending", !left.done && left.seconds <= 5);
  }

  function renderPrebids() {
    const box = $(roomBox, "[data-auction-prebids]");
    const list = $(box, "[data-auction-prebid-list]");
    const template = $(roomBox, "[data-auction-prebid-template]");
    box.hidden = prebids.length === 0;
    // Rows are rebuilt as bids come in: keep what the viewer is typing.
    const typed = {};
    list.querySelectorAll("[data-prebid]").forEach(function (row) {
      const input = row.querySelector("input");
      if (input && input.value) typed[row.dataset.prebid] = input.value;
    });
    list.replaceChildren();
    prebids.forEach(function (lot) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.dataset.prebid = String(lot.id);
      const title = $(row, "[data-prebid-title]");
      title.textContent = lot.product.title;
      title.href = lot.product.url;
      const meta = ["Starts at " + money(lot.starting_cents, lot.currency)];
      if (lot.bid_count) meta.push(lot.bid_count + (lot.bid_count === 1 ? " pre-bid" : " pre-bids"));
      if (lot.your_max_cents) meta.push("your max " + money(lot.your_max_cents, lot.currency) + (lot.you_lead ? ", leading" : ", outbid"));
      $(row, "[data-prebid-meta]").textContent = meta.join(" · ");
      const form = $(row, "[data-prebid-form]");
      if (form) {
        const input = form.elements.amount;
        input.id = "prebid-" + lot.id;
        if (typed[lot.id]) input.value = typed[lot.id];
        $(form, "[data-prebid-label]").htmlFor = input.id;
      }
      list.appendChild(row);
    });
  }

  function placeBid(auction, amountCents, ref, confirm) {
    const message = $(roomBox, "[data-auction-message]");
    if (!isFinite(amountCents) || amountCents < 1) {
      say(message, REFUSALS.invalid_amount, true);
      return;
    }
    const frame = { type: "bid.place", ref: ref, auction_id: auction.id, amount_cents: amountCents };
    if (confirm) frame.confirm = true;
    say(message, "Placing your bid…");
    room.send(frame).then(function (reply) {
      accepted(auction.id, reply);
    }, function (error) {
      if (error.code === "confirm_required") {
        askConfirm(auction, error.confirm_amount_cents || amountCents, function () {
          // The same ref: if the first frame was stored after all, this one is its answer, not a second bid.
          placeBid(auction, amountCents, ref, true);
        });
        say(message, "");
        return;
      }
      if (error.code === "too_low" || error.code === "max_below_price") updateFromRefusal(auction.id, error);
      say(message, refusal(error, auction), true);
      if (error.code === "no_payment_method") {
        const link = document.createElement("a");
        link.href = roomBox.dataset.cardsUrl;
        link.textContent = "Add a card";
        message.append(" ", link);
      }
    });
  }

  function updateFromRefusal(auctionId, error) {
    if (!current || current.id !== auctionId) return;
    if (error.next_minimum_cents) current.next_minimum_cents = error.next_minimum_cents;
    renderRoom();
  }

  function accepted(auctionId, reply) {
    const message = $(roomBox, "[data-auction-message]");
    const lot = current && current.id === auctionId ? current : prebids.filter(function (other) { return other.id === auctionId; })[0];
    if (!lot) return;
    lot.your_max_cents = reply.your_max_cents;
    lot.you_lead = !!reply.leading;
    if (reply.bid_count >= lot.bid_count) {
      lot.bid_count = reply.bid_count;
      lot.price_cents = reply.price_cents;
      lot.next_minimum_cents = reply.next_minimum_cents;
      if (reply.ends_at) lot.ends_at = reply.ends_at;
    }
    if (reply.outcome === "bought_now") say(message, "It's yours: you bought it now.");
    else if (reply.leading) say(message, "Bid placed: your max is " + money(reply.your_max_cents, lot.currency) + ".");
    else say(message, "Bid placed, but another max is higher or was first: bid again to lead.", true);
    render();
  }

  function askConfirm(auction, amountCents, onConfirm, text) {
    const dialog = $(roomBox, "[data-auction-confirm]");
    $(dialog, "[data-auction-confirm-text]").textContent = text || (
      "You are about to bid a max of " + money(amountCents, auction.currency) +
      ", five or more times the current price. Bid that much?");
    dialog.returnValue = "";
    const done = function () {
      dialog.removeEventListener("close", done);
      if (dialog.returnValue === "confirm") onConfirm();
    };
    dialog.addEventListener("close", done);
    dialog.showModal();
  }

  if (roomBox) {
    roomBox.addEventListener("click", function (event) {
      const button = event.target.closest("[data-auction-bid]");
      if (button && current && current.status === "open") {
        placeBid(current, parseInt(button.dataset.amount, 10), newRef("bid"), false);
        return;
      }
      const buyNow = event.target.closest("[data-auction-buynow]");
      if (buyNow && current && current.buy_now_cents) {
        const lot = current;
        askConfirm(lot, lot.buy_now_cents, function () {
          const message = $(roomBox, "[data-auction-message]");
          room.send({ type: "auction.buy_now", ref: newRef("buy"), auction_id: lot.id }).then(function (reply) {
            accepted(lot.id, reply);
          }, function (error) {
            say(message, refusal(error, lot), true);
          });
        }, "Buy " + current.product.title + " now for " + money(current.buy_now_cents, current.currency) + "? The auction ends and your saved card is charged.");
      }
    });
    roomBox.addEventListener("submit", function (event) {
      event.preventDefault();
      const form = event.target;
      if (form.matches("[data-auction-custom]") && current) {
        placeBid(current, cents(form.elements.amount.value), newRef("bid"), false);
        form.reset();
      }
      if (form.matches("[data-prebid-form]")) {
        const id = parseInt(form.closest("[data-prebid]").dataset.prebid, 10);
        const lot = prebids.filter(function (other) { return other.id === id; })[0];
        const amount = cents(form.elements.amount.value);
        form.elements.amount.value = "";
        if (lot) placeBid(lot, amount, newRef("prebid"), false);
      }
    });
  }

  /* ---------------------------------------------------------------- the console */
  function renderConsole() {
    const live = $(consoleBox, "[data-console-auction]");
    const shown = !!current;
    live.hidden = !shown;
    $(consoleBox, "[data-console-auction-empty]").hidden = shown;
    if (!shown) return;
    const a = current;
    const labels = { scheduled: "Waiting", open: "Bidding", closed: "Ended", cancelled: "Cancelled" };
    $(live, "[data-console-auction-badge]").textContent = labels[a.status] || a.status;
    $(live, "[data-console-auction-title]").textContent = a.product.title;
    $(live, "[data-console-auction-price]").textContent = a.bid_count ? money(a.price_cents, a.currency) : "Starts at " + money(a.starting_cents, a.currency);
    $(live, "[data-console-auction-leader-label]").textContent = a.status === "closed" ? "Winner" : "Leader";
    $(live, "[data-console-auction-leader]").textContent = (a.status === "closed" ? a.winner_name : a.leader_name) || "—";
    $(live, "[data-console-auction-count]").textContent = String(a.bid_count);
    $(live, "[data-console-auction-reserve]").textContent = !a.has_reserve ? "None" : a.reserve_met ? "Met" : "Not met yet";
    $(live, "[data-console-auction-cancel]").hidden = a.status !== "open" || a.bid_count > 0;
    live.dataset.endsAt = a.ends_at ? String(a.ends_at) : "";
    const result = $(live, "[data-console-auction-result]");
    if (a.status === "closed") {
      const sold = a.outcome === "sold" || a.outcome === "bought_now";
      result.textContent = sold
        ? "Sold to " + a.winner_name + " for " + money(a.price_cents, a.currency) + (a.outcome === "bought_now" ? " (bought now)." : ".")
        : a.outcome === "reserve_not_met" ? "Not sold: the reserve was not met (best bid " + money(a.price_cents, a.currency) + ")." : "Not sold: no bids.";
    } else if (a.status === "cancelled") {
      result.textContent = "You cancelled this auction.";
    } else {
      result.textContent = a.extensions ? "Extended " + a.extensions + " of " + a.max_extensions + " times." : "";
    }
    const list = $(live, "[data-console-bid-list]");
    list.replaceChildren();
    bids.slice(0, BIDS_SHOWN).forEach(function (bid) {
      const row = document.createElement("li");
      row.className = "console-bid";
      const count = document.createElement("span");
      count.className = "console-bid-count";
      count.textContent = "#" + bid.bid_count;
      const who = document.createElement("span");
      who.className = "console-bid-who";
      who.textContent = bid.leader_name;
      const price = document.createElement("strong");
      price.textContent = money(bid.price_cents, a.currency);
      row.append(count, who, price);
      list.appendChild(row);
    });
    tickConsole();
  }

  function tickConsole() {
    const clockNode = $(consoleBox, "[data-console-auction-clock]");
    if (!current || !clockNode) return;
    if (current.status !== "open") {
      clockNode.textContent = "";
      return;
    }
    const left = remaining(current);
    clockNode.textContent = !left ? "" : left.done ? "Closing…" : left.text + " left";
    clockNode.classList.toggle("is-ending", !!left && !left.done && left.seconds <= 5);
  }

  function waitingRow(id) {
    return consoleBox ? consoleBox.querySelector("[data-waiting='" + id + "']") : null;
  }

  function removeWaiting(id) {
    if (!consoleBox) return;
    const row = waitingRow(id);
    if (row) row.remove();
    const list = $(consoleBox, "[data-console-waiting-list]");
    $(consoleBox, "[data-console-waiting-empty]").hidden = list.children.length > 0;
  }

  function addWaiting(auction) {
    if (!consoleBox || waitingRow(auction.id)) return;
    const template = $(consoleBox, "[data-console-waiting-template]");
    const row = template.content.firstElementChild.cloneNode(true);
    row.dataset.waiting = String(auction.id);
    $(row, "[data-waiting-title]").textContent = auction.product.title;
    $(row, "[data-waiting-meta]").textContent = "from " + money(auction.starting_cents, auction.currency) + (auction.allow_prebids ? " · pre-bids open" : "");
    $(consoleBox, "[data-console-waiting-list]").appendChild(row);
    $(consoleBox, "[data-console-waiting-empty]").hidden = true;
  }

  function control(type, auctionId, resultNode) {
    return room.send({ type: type, auction_id: auctionId }).catch(function (error) {
      say(resultNode, refusal(error), true);
    });
  }

  function startFrame(form) {
    const frame = {
      type: "auction.start",
      product_id: parseInt(form.elements.product_id.value, 10),
      starting_cents: cents(form.elements.starting.value),
      duration_seconds: parseInt(form.elements.duration_seconds.value, 10),
      mode: form.elements.mode.value,
      eligibility: form.elements.eligibility.value,
      open_now: form.elements.when.value === "now",
      allow_prebids: form.elements.when.value === "later_prebids",
    };
    if (frame.mode === "soft_close") {
      frame.window_seconds = parseInt(form.elements.window_seconds.value, 10);
      frame.max_extensions = parseInt(form.elements.max_extensions.value, 10);
    }
    if (form.elements.reserve.value) frame.reserve_cents = cents(form.elements.reserve.value);
    if (form.elements.buy_now.value) frame.buy_now_cents = cents(form.elements.buy_now.value);
    return frame;
  }

  if (consoleBox) {
    const form = $(consoleBox, "[data-console-auction-form]");
    if (form) {
      const result = $(form, "[data-console-auction-form-result]");
      form.elements.mode.addEventListener("change", function () {
        form.querySelectorAll("[data-soft-close-only]").forEach(function (field) {
          field.hidden = form.elements.mode.value !== "soft_close";
        });
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        const frame = startFrame(form);
        if (!isFinite(frame.starting_cents) || frame.starting_cents < 1) {
          say(result, "Enter a starting price of at least $0.01.", true);
          return;
        }
        say(result, "Starting…");
        room.send(frame).then(function (reply) {
          say(result, reply.status === "open" ? "The auction is open." : "The auction waits: open it when you are ready.");
        }, function (error) {
          say(result, refusal(error), true);
        });
      });
    }
    consoleBox.addEventListener("click", function (event) {
      const result = $(consoleBox, "[data-console-auction-result]");
      const row = event.target.closest("[data-waiting]");
      if (row && event.target.closest("[data-waiting-open]")) {
        control("auction.open", parseInt(row.dataset.waiting, 10), result);
      } else if (row && event.target.closest("[data-waiting-cancel]")) {
        control("auction.cancel", parseInt(row.dataset.waiting, 10), result);
      } else if (event.target.closest("[data-console-auction-cancel]") && current) {
        if (window.confirm("Cancel this auction? Nobody has bid yet.")) control("auction.cancel", current.id, result);
      }
    });
  }

  /* ---------------------------------------------------------------- events */
  room.on("room.snapshot", function (snapshot) {
    prebids = (snapshot.prebid_auctions || []).slice();
    setCurrent(snapshot.auction || null);
    bids = current && current.bid_count ? [{ bid_count: current.bid_count, price_cents: current.price_cents, leader_name: current.leader_name }] : [];
    lastPlaced = current ? { [current.id]: current.bid_count } : {};
    render();
  });

  room.on("auction.created", function (event) {
    const auction = event.auction;
    if (auction.allow_prebids && !prebids.some(function (lot) { return lot.id === auction.id; })) prebids.push(auction);
    addWaiting(auction);
    render();
  });

  room.on("auction.opened", function (event) {
    setCurrent(event.auction);
    bids = [];
    lastPlaced = {};
    removeWaiting(event.auction.id);
    say($(roomBox, "[data-auction-message]"), "");
    render();
  });

  room.on("bid.placed", function (event) {
    const lot = current && current.id === event.auction_id ? current : prebids.filter(function (other) { return other.id === event.auction_id; })[0];
    // Frames may come out of order across server processes: the highest bid count is the latest.
    if (!lot || event.bid_count <= (lastPlaced[lot.id] || 0) || event.bid_count < lot.bid_count) return;
    lastPlaced[lot.id] = event.bid_count;
    lot.price_cents = event.price_cents;
    lot.leader_name = event.leader_name;
    lot.bid_count = event.bid_count;
    lot.next_minimum_cents = event.next_minimum_cents;
    lot.reserve_met = event.reserve_met;
    if (event.ends_at) lot.ends_at = event.ends_at;
    if (lot === current) {
      bids.unshift({ bid_count: event.bid_count, price_cents: event.price_cents, leader_name: event.leader_name });
      bids.length = Math.min(bids.length, BIDS_SHOWN);
    }
    render();
  });

  room.on("bid.outbid", function (event) {
    const lot = current && current.id === event.auction_id ? current : prebids.filter(function (other) { return other.id === event.auction_id; })[0];
    if (!lot) return;
    lot.you_lead = false;
    if (event.next_minimum_cents > lot.next_minimum_cents) {
      lot.next_minimum_cents = event.next_minimum_cents;
      lot.price_cents = event.price_cents;
    }
    say($(roomBox, "[data-auction-message]"), "You've been outbid: the price is " + money(event.price_cents, lot.currency) + ".", true);
    render();
  });

  room.on("auction.extended", function (event) {
    if (!current || current.id !== event.auction_id) return;
    current.ends_at = Math.max(current.ends_at || 0, event.ends_at);
    current.extensions = event.extensions;
    render();
  });

  room.on("auction.closed", function (event) {
    if (!current || current.id !== event.auction_id) return;
    current.status = "closed";
    current.outcome = event.outcome;
    current.price_cents = event.price_cents;
    current.bid_count = Math.max(current.bid_count, event.bid_count);
    current.winner_name = event.winner_name;
    current.ends_at = event.ends_at;
    say($(roomBox, "[data-auction-message]"), "");
    render();
  });

  room.on("auction.cancelled", function (event) {
    prebids = prebids.filter(function (lot) { return lot.id !== event.auction_id; });
    removeWaiting(event.auction_id);
    if (current && current.id === event.auction_id) current.status = "cancelled";
    render();
  });

  window.setInterval(function () {
    if (roomBox) tickRoom();
    if (consoleBox) tickConsole();
  }, 250);
})();
