/* The live room's core client: one socket per page to /ws/shows/<id>/, shared by every part of
   the room (video, chat, polls, Q&A, products), which register with window.TokshopRoom.

     TokshopRoom.on(type, fn)      fn(message) for each frame of that type ("room.snapshot" too; a
                                   handler registered after the snapshot arrived gets the last one)
     TokshopRoom.send({type, ...}) -> promise of the reply with the same ref; rejects with the
                                   `error` frame carrying that ref (or {code: "offline"})
     TokshopRoom.serverNow()       the server's clock in ms, from the frames' `ts`
     TokshopRoom.show              the show's id
     TokshopRoom.viewer            {user_id, is_host, can_moderate}
     TokshopRoom.countdown(iso)    {done, text "m:ss"} left until `iso` by the server's clock
     TokshopRoom.say(node, text, isError), TokshopRoom.refusal(error)
                                   a status line, and the sentence for an `error` frame

   The core keeps the last `seq`, drops repeats, reconnects with `?since=<seq>` after a drop or when
   it sees a gap (the server then sends exactly what was missed, or a fresh snapshot), backs off with
   jitter, and pings to keep the clock offset and notice a dead connection. */
(function () {
  "use strict";

  const root = document.getElementById("room");
  if (!root) return;

  const PING_MS = 20000;
  const REPLY_WAIT_MS = 10000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 15000;
  // Reconnecting cannot help after these: signed out, foreign page, no such show, not allowed in,
  // the show is full.
  const FINAL_CLOSE_CODES = [4001, 4003, 4004, 4006, 4009];

  const handlers = {};
  const waiting = {};
  let ws = null;
  let seq = null;
  let backoff = BACKOFF_MIN_MS;
  let retryTimer = null;
  let pingTimer = null;
  let heardSincePing = true;
  let stopped = false;
  let offsetMs = 0;
  let lastSnapshot = null;
  let refCounter = 0;

  function flag(name) {
    return root.dataset[name] === "true";
  }

  const viewer = {
    user_id: root.dataset.userId ? parseInt(root.dataset.userId, 10) : null,
    is_host: flag("isHost"),
    can_moderate: flag("canModerate"),
  };

  // Until the first frame arrives, the page's own render time stands in for the server's clock.
  if (root.dataset.serverNow) {
    const rendered = Date.parse(root.dataset.serverNow);
    if (!isNaN(rendered)) offsetMs = Date.now() - rendered;
  }

  function emit(type, message) {
    (handlers[type] || []).slice().forEach(function (fn) {
      try {
        fn(message);
      } catch (error) {
        // One part's bug must not stop the others from hearing the event.
        window.setTimeout(function () { throw error; });
      }
    });
  }

  function setConnection(state) {
    root.dataset.connection = state;
    const line = root.querySelector("[data-room-connection]");
    if (line) {
      line.hidden = state === "open";
      line.textContent = {
        connecting: "Connecting…",
        reconnecting: "Reconnecting…",
        closed: "Disconnected. Reload the page to join again.",
      }[state] || "";
    }
    emit("room.connection", { type: "room.connection", state: state });
  }

  function url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const params = new URLSearchParams();
    if (root.dataset.key) params.set("key", root.dataset.key);
    if (seq !== null) params.set("since", String(seq));
    const query = params.toString();
    return scheme + "://" + location.host + root.dataset.wsUrl + (query ? "?" + query : "");
  }

  function connect() {
    if (stopped || ws) return;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    let socket;
    try {
      socket = new WebSocket(url());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.addEventListener("open", function () {
      heardSincePing = true;
      pingTimer = window.setInterval(ping, PING_MS);
    });
    socket.addEventListener("message", function (event) {
      heardSincePing = true;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handle(frame);
    });
    socket.addEventListener("close", function (event) {
      window.clearInterval(pingTimer);
      pingTimer = null;
      if (ws === socket) ws = null;
      rejectWaiting({ code: "offline", message: "The connection dropped." });
      if (FINAL_CLOSE_CODES.indexOf(event.code) !== -1) {
        stopped = true;
        setConnection("closed");
        emit("room.closed", { type: "room.closed", code: event.code, reason: event.reason });
        return;
      }
      if (!stopped) {
        setConnection("reconnecting");
        scheduleReconnect();
      }
    });
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    // Jitter spreads the reconnects when a server restart drops a whole room at once.
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      connect();
    }, delay);
  }

  function reconnectNow() {
    if (ws) {
      // The close handler reconnects, with `since`.
      ws.close(4000, "resync");
    } else if (!stopped) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
      connect();
    }
  }

  function ping() {
    if (!heardSincePing) {
      // Nothing came back since the last ping: the connection died without saying so.
      reconnectNow();
      return;
    }
    heardSincePing = false;
    rawSend({ type: "ping", ref: nextRef() });
  }

  function rawSend(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  function nextRef() {
    refCounter += 1;
    return "r" + refCounter.toString(36) + "-" + Math.random().toString(36).slice(2, 8);
  }

  function rejectWaiting(error) {
    Object.keys(waiting).forEach(function (ref) {
      waiting[ref].reject(Object.assign({ type: "error", ref: ref }, error));
    });
  }

  function handle(frame) {
    if (typeof frame.ts === "number") offsetMs = Date.now() - frame.ts;
    if (frame.type === "room.snapshot") {
      seq = typeof frame.seq === "number" ? frame.seq : seq;
      backoff = BACKOFF_MIN_MS;
      if (frame.you) {
        viewer.user_id = frame.you.user_id;
        viewer.is_host = !!frame.you.is_host;
        viewer.can_moderate = !!frame.you.can_moderate;
      }
      lastSnapshot = frame;
      setConnection("open");
      emit("room.snapshot", frame);
      return;
    }
    if (typeof frame.seq === "number") {
      if (seq !== null && frame.seq <= seq) return;
      if (seq !== null && frame.seq > seq + 1) {
        // A gap: ask again from the last event we have, rather than show things out of order.
        reconnectNow();
        return;
      }
      seq = frame.seq;
      // Events after a reconnect with `since` prove the connection healthy (no snapshot comes).
      backoff = BACKOFF_MIN_MS;
      if (root.dataset.connection !== "open") setConnection("open");
    }
    if (frame.ref !== undefined && frame.ref !== null && waiting[frame.ref]) {
      const entry = waiting[frame.ref];
      if (frame.type === "error") entry.reject(frame);
      else entry.resolve(frame);
    }
    emit(frame.type, frame);
  }

  function send(message) {
    const ref = message.ref || nextRef();
    const framed = Object.assign({}, message, { ref: ref });
    return new Promise(function (resolve, reject) {
      if (!rawSend(framed)) {
        reject({ type: "error", ref: ref, code: "offline", message: "Not connected: try again in a moment." });
        return;
      }
      const timer = window.setTimeout(function () {
        delete waiting[ref];
        reject({ type: "error", ref: ref, code: "timeout", message: "No answer from the server." });
      }, REPLY_WAIT_MS);
      waiting[ref] = {
        resolve: function (reply) {
          window.clearTimeout(timer);
          delete waiting[ref];
          resolve(reply);
        },
        reject: function (error) {
          window.clearTimeout(timer);
          delete waiting[ref];
          reject(error);
        },
      };
    });
  }

  function on(type, fn) {
    (handlers[type] = handlers[type] || []).push(fn);
    if (type === "room.snapshot" && lastSnapshot) fn(lastSnapshot);
  }

  // What every part of the room shows the same way: a countdown to an ISO time by the server's
  // clock, a status line (an error in red), and the sentence for a refused message.
  function countdown(endsAtIso) {
    const left = Math.max(0, Date.parse(endsAtIso) - (Date.now() - offsetMs));
    const seconds = Math.ceil(left / 1000);
    const minutes = Math.floor(seconds / 60);
    return { done: left <= 0, text: minutes + ":" + String(seconds % 60).padStart(2, "0") };
  }

  function say(node, text, isError) {
    if (!node) return;
    node.textContent = text || "";
    node.classList.toggle("is-error", !!isError);
  }

  function refusal(error) {
    if (error && error.fields) {
      const first = Object.keys(error.fields)[0];
      if (first && error.fields[first].length) return error.fields[first][0];
    }
    return (error && error.message) || "That did not work: try again.";
  }

  window.TokshopRoom = {
    on: on,
    send: send,
    serverNow: function () { return Date.now() - offsetMs; },
    show: parseInt(root.dataset.showId, 10),
    viewer: viewer,
    countdown: countdown,
    say: say,
    refusal: refusal,
    isConnected: function () { return !!ws && ws.readyState === WebSocket.OPEN && root.dataset.connection === "open"; },
  };

  window.addEventListener("online", reconnectNow);
  // The device lost its network: say so at once rather than when the next ping goes unanswered.
  window.addEventListener("offline", function () {
    if (ws) ws.close(4000, "offline");
  });
  window.addEventListener("pagehide", function () {
    stopped = true;
    if (ws) ws.close(1000, "page_closed");
  });
  window.addEventListener("pageshow", function (event) {
    // Back from the back/forward cache: the socket was closed on the way out.
    if (event.persisted) {
      stopped = false;
      connect();
    }
  });

  // The parts' scripts (loaded after this one, deferred) register first; then the room connects.
  setConnection("connecting");
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    window.setTimeout(connect);
  }
})();
