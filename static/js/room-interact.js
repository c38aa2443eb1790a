/* Polls, questions, the pinned product and flash sales in the live room and the host's console.
   Registers with the core client (static/js/room.js, window.TokshopRoom): the state comes from the
   room's snapshot, then from the events; every action is a socket message with its reply.
   Countdowns run on the server's clock (TokshopRoom.serverNow()). */
(function () {
  "use strict";

  const room = window.TokshopRoom;
  if (!room) return;

  const ZERO_DECIMAL = ["JPY", "KRW"];
  const QUESTIONS_SHOWN = 50;

  function $(scope, selector) {
    return scope ? scope.querySelector(selector) : null;
  }

  function money(cents, currency) {
    const places = ZERO_DECIMAL.indexOf(currency) === -1 ? 2 : 0;
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency }).format(cents / Math.pow(10, places));
    } catch (error) {
      return (cents / Math.pow(10, places)).toFixed(places) + " " + currency;
    }
  }

  const clock = room.countdown;
  const say = room.say;
  const refusal = room.refusal;

  // One ticking loop for every countdown on the page.
  const tickers = [];
  window.setInterval(function () {
    tickers.forEach(function (tick) { tick(); });
  }, 250);

  /* ---------------------------------------------------------------- polls */
  const pollBox = document.querySelector("[data-interact-poll]");
  const consolePolls = document.querySelector("[data-interact-console-polls]");
  let poll = null;

  function pollShares(option) {
    const total = poll.total || 0;
    return total ? Math.round((option.votes * 100) / total) : 0;
  }

  function renderPoll() {
    if (pollBox) renderRoomPoll();
    if (consolePolls) renderConsolePoll();
  }

  function renderRoomPoll() {
    const card = $(pollBox, "[data-poll-card]");
    $(pollBox, "[data-poll-empty]").hidden = !!poll;
    card.hidden = !poll;
    if (!poll) return;
    const open = poll.status === "open";
    const voted = poll.your_vote;
    $(card, "[data-poll-question]").textContent = poll.question;
    const list = $(card, "[data-poll-options]");
    const template = $(pollBox, "[data-poll-option-template]");
    list.replaceChildren();
    poll.options.forEach(function (option) {
      const row = template.content.firstElementChild.cloneNode(true);
      const button = $(row, "[data-poll-vote]");
      const share = pollShares(option);
      $(row, "[data-poll-text]").textContent = option.text;
      const showResults = !open || voted || !room.viewer.user_id;
      $(row, "[data-poll-share]").textContent = showResults ? share + "%" : "";
      $(row, "[data-poll-bar]").style.width = (showResults ? share : 0) + "%";
      button.setAttribute("aria-pressed", voted === option.id ? "true" : "false");
      button.disabled = !open || !!voted || !room.viewer.user_id;
      button.dataset.optionId = String(option.id);
      list.appendChild(row);
    });
    $(card, "[data-poll-total]").textContent = poll.total + (poll.total === 1 ? " vote" : " votes");
    if (!open) say($(card, "[data-poll-clock]"), "Closed");
  }

  function renderConsolePoll() {
    const box = $(consolePolls, "[data-console-poll]");
    const open = poll && poll.status === "open";
    box.hidden = !poll;
    $(consolePolls, "[data-console-poll-form]").hidden = !!open;
    if (!poll) return;
    $(box, "[data-console-poll-question]").textContent = poll.question;
    const list = $(box, "[data-console-poll-results]");
    list.replaceChildren();
    poll.options.forEach(function (option) {
      const row = document.createElement("li");
      row.textContent = option.text + ": " + option.votes + " (" + pollShares(option) + "%)";
      list.appendChild(row);
    });
    $(box, "[data-console-poll-total]").textContent = poll.total + (poll.total === 1 ? " vote" : " votes");
    $(box, "[data-console-poll-close]").hidden = !open;
    if (!open) $(box, "[data-console-poll-clock]").textContent = "Closed";
  }

  tickers.push(function () {
    if (!poll || poll.status !== "open") return;
    const left = clock(poll.closes_at);
    const text = left.done ? "Closing…" : "Closes in " + left.text;
    if (pollBox) $(pollBox, "[data-poll-clock]").textContent = text;
    if (consolePolls) $(consolePolls, "[data-console-poll-clock]").textContent = text;
  });

  function setPoll(next, yourVote) {
    poll = next ? Object.assign({}, next, { your_vote: yourVote }) : null;
    renderPoll();
  }

  room.on("poll.opened", function (event) {
    setPoll(event.poll, null);
    if (pollBox) say($(pollBox, "[data-poll-result]"), "");
  });
  room.on("poll.tallied", function (event) {
    if (!poll || poll.id !== event.poll_id) return;
    const votes = {};
    event.options.forEach(function (option) { votes[option.id] = option.votes; });
    poll.options.forEach(function (option) {
      if (votes[option.id] !== undefined) option.votes = votes[option.id];
    });
    poll.total = event.total;
    renderPoll();
  });
  room.on("poll.closed", function (event) {
    setPoll(event.poll, poll && poll.id === event.poll.id ? poll.your_vote : null);
  });

  if (pollBox) {
    pollBox.addEventListener("click", function (event) {
      const button = event.target.closest("[data-poll-vote]");
      if (!button || button.disabled || !poll) return;
      const optionId = parseInt(button.dataset.optionId, 10);
      const result = $(pollBox, "[data-poll-result]");
      room.send({ type: "poll.vote", poll_id: poll.id, option_id: optionId }).then(function () {
        poll.your_vote = optionId;
        say(result, "Thanks for voting.");
        renderPoll();
      }, function (error) {
        say(result, refusal(error), true);
      });
    });
  }

  if (consolePolls) {
    const form = $(consolePolls, "[data-console-poll-form]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const options = Array.prototype.map.call(form.querySelectorAll("[name=option]"), function (input) {
        return input.value.trim();
      }).filter(Boolean);
      const result = $(form, "[data-console-result]");
      room.send({
        type: "poll.open",
        question: form.elements.question.value,
        options: options,
        seconds: parseInt(form.elements.seconds.value, 10),
      }).then(function () {
        form.reset();
        say(result, "The poll is open.");
      }, function (error) {
        say(result, refusal(error), true);
      });
    });
    $(consolePolls, "[data-console-poll-close]").addEventListener("click", function () {
      if (!poll) return;
      room.send({ type: "poll.close", poll_id: poll.id }).catch(function (error) {
        say($(form, "[data-console-result]"), refusal(error), true);
      });
    });
  }

  /* ---------------------------------------------------------------- questions */
  const questionsBox = document.querySelector("[data-interact-questions]");
  const consoleQuestions = document.querySelector("[data-interact-console-questions]");
  let questions = [];
  let upvoted = {};
  let questionsOff = false;

  function sortQuestions() {
    questions = questions.filter(function (q) { return q.status !== "dismissed"; });
    questions.sort(function (a, b) {
      return b.upvotes - a.upvotes || Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;
    });
  }

  function fillQuestion(row, question) {
    row.dataset.questionId = String(question.id);
    $(row, "[data-question-text-out]").textContent = question.text;
    $(row, "[data-question-author]").textContent = question.author ? question.author.name : "";
    $(row, "[data-question-upvotes]").textContent = String(question.upvotes);
    $(row, "[data-question-answered]").hidden = question.status !== "answered";
    row.classList.toggle("is-answered", question.status === "answered");
  }

  function renderQuestions() {
    sortQuestions();
    [[questionsBox, "[data-question-list]", "[data-question-template]", "[data-questions-empty]"],
      [consoleQuestions, "[data-console-question-list]", "[data-console-question-template]", "[data-console-questions-empty]"]]
      .forEach(function (part) {
        const box = part[0];
        if (!box) return;
        const list = $(box, part[1]);
        const template = $(box, part[2]);
        list.replaceChildren();
        questions.slice(0, QUESTIONS_SHOWN).forEach(function (question) {
          const row = template.content.firstElementChild.cloneNode(true);
          fillQuestion(row, question);
          const upvote = $(row, "[data-question-upvote]");
          if (upvote) {
            const mine = room.viewer.user_id && question.author && question.author.id === room.viewer.user_id;
            upvote.setAttribute("aria-pressed", upvoted[question.id] ? "true" : "false");
            upvote.disabled = !room.viewer.user_id || mine || !!upvoted[question.id];
          }
          const answer = $(row, "[data-question-answer]");
          if (answer) answer.hidden = question.status === "answered" || !room.viewer.is_host;
          list.appendChild(row);
        });
        const empty = $(box, part[3]);
        if (empty && !(box === questionsBox && questionsOff)) empty.hidden = questions.length > 0;
      });
  }

  function setQuestionsEnabled(enabled) {
    questionsOff = !enabled;
    if (!questionsBox) return;
    $(questionsBox, "[data-questions-off]").hidden = enabled;
    const form = $(questionsBox, "[data-question-form]");
    if (form) form.hidden = !enabled;
    if (!enabled) $(questionsBox, "[data-questions-empty]").hidden = true;
  }

  room.on("question.asked", function (event) {
    if (questions.some(function (q) { return q.id === event.question.id; })) return;
    questions.push(event.question);
    renderQuestions();
  });
  room.on("question.updated", function (event) {
    questions.forEach(function (question) {
      if (question.id !== event.id) return;
      question.upvotes = event.upvotes;
      question.status = event.status;
    });
    renderQuestions();
  });
  room.on("show.status_changed", function (event) {
    if (event.show) setQuestionsEnabled(event.show.questions_enabled);
  });

  if (questionsBox) {
    const form = $(questionsBox, "[data-question-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        const text = $(form, "[data-question-text]");
        const result = $(form, "[data-question-result]");
        room.send({ type: "question.ask", text: text.value }).then(function (reply) {
          text.value = "";
          say(result, reply.held ? "A moderator will look at your question before it is shown." : "Your question is in.");
        }, function (error) {
          say(result, refusal(error), true);
        });
      });
    }
    questionsBox.addEventListener("click", function (event) {
      const button = event.target.closest("[data-question-upvote]");
      if (!button || button.disabled) return;
      const row = button.closest("[data-question]");
      const id = parseInt(row.dataset.questionId, 10);
      room.send({ type: "question.upvote", id: id }).then(function (reply) {
        upvoted[id] = true;
        questions.forEach(function (q) { if (q.id === id) q.upvotes = Math.max(q.upvotes, reply.upvotes); });
        renderQuestions();
      }, function (error) {
        if (error.code === "already_upvoted") upvoted[id] = true;
        renderQuestions();
        const result = form ? $(form, "[data-question-result]") : null;
        say(result, refusal(error), true);
      });
    });
  }

  if (consoleQuestions) {
    consoleQuestions.addEventListener("click", function (event) {
      const button = event.target.closest("[data-question-answer], [data-question-dismiss]");
      if (!button) return;
      const id = parseInt(button.closest("[data-question]").dataset.questionId, 10);
      const type = button.hasAttribute("data-question-answer") ? "question.answer" : "question.dismiss";
      button.disabled = true;
      room.send({ type: type, id: id }).catch(function () {
        button.disabled = false;
      });
    });
  }

  /* ---------------------------------------------------------------- pinned product and flash sale */
  const pinnedBox = document.querySelector("[data-interact-pinned]");
  const consolePin = document.querySelector("[data-interact-console-pin]");
  let pinned = null;
  let sale = null;
  let youMayBuy = null;

  function available() {
    const product = (sale && sale.item.product) || (pinned && pinned.product);
    return product ? product.available : null;
  }

  function renderPinned() {
    if (pinnedBox) renderRoomPinned();
    if (consolePin) renderConsolePin();
  }

  function renderRoomPinned() {
    const shown = (sale && sale.item) || pinned;
    const card = $(pinnedBox, "[data-pinned-card]");
    $(pinnedBox, "[data-pinned-empty]").hidden = !!shown;
    card.hidden = !shown;
    if (shown) {
      const product = shown.product;
      card.dataset.itemId = String(shown.id);
      pinnedBox.querySelectorAll("[data-pinned-link]").forEach(function (link) { link.href = product.url; });
      $(card, "[data-pinned-title]").textContent = product.title;
      const image = $(card, "[data-pinned-image]");
      image.hidden = !product.image;
      $(card, "[data-pinned-noimage]").hidden = !!product.image;
      if (product.image) image.src = product.image;
      $(card, "[data-pinned-price]").textContent = money(sale ? sale.price_cents : product.price_cents, product.currency);
      const was = $(card, "[data-pinned-was]");
      was.hidden = !sale;
      was.textContent = sale ? money(product.price_cents, product.currency) : "";
      const left = available();
      $(card, "[data-pinned-stock]").textContent = left > 0 ? left + " in stock" : "Sold out";
    }
    const box = $(pinnedBox, "[data-flash-sale]");
    box.hidden = !sale;
    if (!sale) return;
    const remaining = Math.min(sale.remaining, Math.max(available() || 0, 0));
    $(box, "[data-flash-left]").textContent = remaining > 0
      ? remaining + " of " + sale.total_limit + " left at this price · up to " + sale.per_buyer_limit + " each"
      : "Sold out at this price.";
    const quantity = $(box, "[data-flash-qty]");
    const submit = $(box, "[data-flash-submit]");
    if (quantity) {
      const most = Math.max(0, Math.min(remaining, youMayBuy === null ? sale.per_buyer_limit : youMayBuy));
      const chosen = parseInt(quantity.value, 10) || 1;
      quantity.replaceChildren();
      for (let n = 1; n <= Math.max(most, 1); n += 1) {
        const option = document.createElement("option");
        option.value = String(n);
        option.textContent = String(n);
        quantity.appendChild(option);
      }
      quantity.value = String(Math.min(chosen, Math.max(most, 1)));
      submit.disabled = most < 1 || clock(sale.ends_at).done;
      if (remaining > 0 && most < 1) $(box, "[data-flash-left]").textContent += " · you bought your share";
    }
  }

  function renderConsolePin() {
    const shown = (sale && sale.item) || pinned;
    $(consolePin, "[data-console-pinned]").textContent = shown
      ? "Pinned: " + shown.product.title + " (" + shown.product.available + " in stock)"
      : "Nothing pinned: viewers see the product you pin on their screen.";
    $(consolePin, "[data-console-unpin]").hidden = !pinned;
    consolePin.querySelectorAll("[data-console-pin]").forEach(function (button) {
      const isPinned = pinned && String(pinned.id) === button.dataset.consolePin;
      button.disabled = !!isPinned;
      button.textContent = isPinned ? "Pinned" : "Pin";
    });
    const box = $(consolePin, "[data-console-sale]");
    const form = $(consolePin, "[data-console-sale-form]");
    if (!box) return;
    box.hidden = !sale;
    form.hidden = !!sale;
    if (!sale) return;
    $(box, "[data-console-sale-text]").textContent = sale.item.product.title + " at " + money(sale.price_cents, sale.currency);
    $(box, "[data-console-sale-left]").textContent = sale.remaining + " of " + sale.total_limit + " left";
  }

  tickers.push(function () {
    if (!sale) return;
    const left = clock(sale.ends_at);
    const text = left.done ? "Ending…" : "Ends in " + left.text;
    if (pinnedBox) {
      $(pinnedBox, "[data-flash-clock]").textContent = text;
      const submit = $(pinnedBox, "[data-flash-submit]");
      if (submit && left.done) submit.disabled = true;
    }
    if (consolePin && $(consolePin, "[data-console-sale-clock]")) $(consolePin, "[data-console-sale-clock]").textContent = text;
  });

  room.on("product.pinned", function (event) {
    pinned = event.item;
    renderPinned();
  });
  room.on("product.unpinned", function () {
    pinned = null;
    renderPinned();
  });
  room.on("product.stock", function (event) {
    [pinned && pinned.product, sale && sale.item.product].forEach(function (product) {
      if (product && product.id === event.product_id) product.available = event.available;
    });
    renderPinned();
  });
  room.on("flash_sale.started", function (event) {
    sale = event.sale;
    youMayBuy = sale.per_buyer_limit;
    if (pinnedBox) say($(pinnedBox, "[data-flash-result]"), "");
    renderPinned();
  });
  room.on("flash_sale.updated", function (event) {
    if (sale && sale.id === event.sale_id) sale.remaining = event.remaining;
    renderPinned();
  });
  room.on("flash_sale.ended", function (event) {
    if (sale && sale.id === event.sale_id) sale = null;
    renderPinned();
  });

  // A viewer opening a product from the room counts as a click-through: the count is sent first,
  // and the link followed once it is answered (or after a moment), so leaving the page cannot drop it.
  const CLICK_WAIT_MS = 400;
  function clickThrough(event, link, itemId) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      room.send({ type: "product.click", item_id: parseInt(itemId, 10) }).catch(function () {});
      return;
    }
    event.preventDefault();
    let followed = false;
    const follow = function () {
      if (followed) return;
      followed = true;
      window.location.assign(link.href);
    };
    window.setTimeout(follow, CLICK_WAIT_MS);
    room.send({ type: "product.click", item_id: parseInt(itemId, 10) }).then(follow, follow);
  }

  // The lineup under the pinned product, on the room's page (the console's lineup is the host's own).
  if (!document.querySelector("[data-console]")) {
    document.addEventListener("click", function (event) {
      const link = event.target.closest("[data-lineup-item] a[href]");
      if (link) clickThrough(event, link, link.closest("[data-lineup-item]").dataset.lineupItem);
    });
  }

  if (pinnedBox) {
    pinnedBox.addEventListener("click", function (event) {
      const link = event.target.closest("[data-pinned-link]");
      const card = $(pinnedBox, "[data-pinned-card]");
      if (link && card.dataset.itemId) clickThrough(event, link, card.dataset.itemId);
    });
    const buy = $(pinnedBox, "[data-flash-buy]");
    if (buy) {
      buy.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!sale) return;
        const result = $(pinnedBox, "[data-flash-result]");
        const address = $(buy, "[data-flash-address]");
        const submit = $(buy, "[data-flash-submit]");
        const message = { type: "flash_sale.buy", sale_id: sale.id, quantity: parseInt(buy.elements.quantity.value, 10) || 1 };
        if (!address.hidden) {
          message.shipping = {};
          address.querySelectorAll("input").forEach(function (input) { message.shipping[input.name] = input.value; });
        }
        submit.disabled = true;
        say(result, "Placing your order…");
        room.send(message).then(function (reply) {
          address.hidden = true;
          youMayBuy = Math.max(0, (youMayBuy === null ? sale.per_buyer_limit : youMayBuy) - message.quantity);
          result.replaceChildren();
          result.classList.remove("is-error");
          result.append("Order placed: it is yours once paid. ");
          const pay = document.createElement("a");
          pay.className = "button button-primary button-sm";
          pay.href = reply.pay_url;
          pay.textContent = "Pay now";
          result.appendChild(pay);
          renderPinned();
        }, function (error) {
          if (error.code === "address_required") {
            address.hidden = false;
            say(result, "Where should it go? Add your address, then buy.", true);
          } else if (error.code === "limit_reached") {
            youMayBuy = error.left || 0;
            say(result, refusal(error), true);
          } else {
            say(result, refusal(error), true);
          }
          renderPinned();
        });
      });
    }
  }

  if (consolePin) {
    const result = $(consolePin, "[data-console-result]");
    consolePin.addEventListener("click", function (event) {
      const pin = event.target.closest("[data-console-pin]");
      if (pin) {
        room.send({ type: "product.pin", item_id: parseInt(pin.dataset.consolePin, 10) }).catch(function (error) {
          say(result, refusal(error), true);
        });
      }
      if (event.target.closest("[data-console-unpin]")) {
        room.send({ type: "product.unpin" }).catch(function (error) { say(result, refusal(error), true); });
      }
      if (event.target.closest("[data-console-sale-end]") && sale) {
        room.send({ type: "flash_sale.end", sale_id: sale.id }).catch(function (error) { say(result, refusal(error), true); });
      }
    });
    const form = $(consolePin, "[data-console-sale-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        const number = function (name) { return parseInt(form.elements[name].value, 10); };
        const item = form.elements.item_id;
        const currency = item.options[item.selectedIndex].dataset.currency;
        const places = ZERO_DECIMAL.indexOf(currency) === -1 ? 2 : 0;
        room.send({
          type: "flash_sale.start",
          item_id: number("item_id"),
          price_cents: Math.round(parseFloat(form.elements.price.value) * Math.pow(10, places)),
          seconds: number("seconds"),
          total_limit: number("total_limit"),
          per_buyer_limit: number("per_buyer_limit"),
        }).then(function () {
          say(result, "The sale is on.");
        }, function (error) {
          say(result, refusal(error), true);
        });
      });
    }
  }

  /* ---------------------------------------------------------------- the snapshot */
  room.on("room.snapshot", function (snapshot) {
    setPoll(snapshot.poll || null, snapshot.poll ? snapshot.poll.your_vote : null);
    const asked = snapshot.questions || { items: [], you_upvoted: [] };
    questions = asked.items.slice();
    upvoted = {};
    asked.you_upvoted.forEach(function (id) { upvoted[id] = true; });
    if (snapshot.show) setQuestionsEnabled(snapshot.show.questions_enabled);
    renderQuestions();
    pinned = snapshot.pinned || null;
    sale = snapshot.flash_sale || null;
    youMayBuy = sale ? sale.you_may_buy : null;
    renderPinned();
  });
})();
