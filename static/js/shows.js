/* Shows pages: times in the visitor's own time zone, countdowns by the server's clock, copying a
   private link, and the scheduling forms (the seller's time zone, weekdays of a weekly schedule). */
(function () {
  "use strict";

  const zone = (function () {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    } catch (error) {
      return "UTC";
    }
  })();

  /* ---------- Times ---------- */
  const timeFormat = new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    const date = new Date(el.getAttribute("datetime"));
    if (!isNaN(date.getTime())) {
      el.textContent = timeFormat.format(date);
      el.title = date.toISOString();
    }
  });

  /* ---------- Countdowns, by the server's clock (the page's render time, or the room's socket) ---------- */
  function serverNow(el) {
    if (window.TokshopRoom) return window.TokshopRoom.serverNow();
    return Date.now() - (parseFloat(el.dataset.offsetMs) || 0);
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function tick(el) {
    const target = Date.parse(el.dataset.countdown);
    const left = Math.round((target - serverNow(el)) / 1000);
    if (isNaN(left)) return;
    if (left <= 0) {
      el.textContent = "Starting any moment now: reload to join.";
      return;
    }
    const days = Math.floor(left / 86400);
    const hours = Math.floor((left % 86400) / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    const seconds = left % 60;
    el.textContent =
      "Starts in " + (days ? days + (days === 1 ? " day " : " days ") : "") + pad(hours) + ":" + pad(minutes) + ":" + pad(seconds);
  }

  const countdowns = Array.from(document.querySelectorAll("[data-countdown]"));
  countdowns.forEach(function (el) {
    const rendered = Date.parse(el.dataset.serverNow || "");
    // How far this device's clock is from the server's when the page was made (give or take the
    // page's own travel time, a fraction of a second).
    if (!isNaN(rendered)) el.dataset.offsetMs = String(Date.now() - rendered);
    tick(el);
  });
  if (countdowns.length) {
    window.setInterval(function () { countdowns.forEach(tick); }, 1000);
  }

  /* ---------- Copy a link ---------- */
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const text = button.dataset.copy;
    const done = function () {
      const label = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  });

  /* ---------- Scheduling forms: typed in the seller's own time zone ---------- */
  document.querySelectorAll("input[data-time-zone]").forEach(function (input) {
    input.value = zone;
    const form = input.form;
    const note = form && form.querySelector("[data-time-zone-note]");
    if (note) {
      note.textContent = "Times are in your time zone, " + zone + ".";
      note.hidden = false;
    }
    const start = form && form.querySelector("input[data-utc]");
    // A saved show's start comes as UTC; shown in the seller's zone unless they already typed one.
    if (start && !form.querySelector(".has-error input[data-utc]")) {
      const date = new Date(start.dataset.utc);
      if (!isNaN(date.getTime())) {
        const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
        start.value = local.toISOString().slice(0, 16);
      }
    }
  });

  document.querySelectorAll("input[data-time-zone-default]").forEach(function (input) {
    if (!input.value) input.value = zone;
  });

  document.querySelectorAll("select[name='frequency']").forEach(function (select) {
    const days = select.form && select.form.querySelector("[data-weekdays]");
    if (!days) return;
    const sync = function () { days.hidden = select.value !== "weekly"; };
    select.addEventListener("change", sync);
    sync();
  });
})();
