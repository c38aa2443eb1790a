/* The show's video (LiveKit): viewers watch the host's camera, the host previews and broadcasts it.
 *
 * Wired to templates/shows/room/_video.html (data-room-video="viewer") and
 * templates/shows/console/_video.html (data-room-video="host"). Tokens come from
 * POST /api/v1/shows/<id>/video-token/; the LiveKit browser SDK (static/vendor/livekit-client.umd.js)
 * is loaded only when the site has video and the show is on air. The show's status comes from the
 * room socket (window.TokshopRoom: "room.snapshot" and "show.status_changed") when the page has one,
 * and from the partial's data-show-status otherwise.
 */
(function () {
  "use strict";

  const ON_AIR = ["live", "paused"];
  const RETRY_MS = 10000;
  let sdkLoading = null;

  function loadSdk(src) {
    if (window.LivekitClient) return Promise.resolve(window.LivekitClient);
    if (!sdkLoading) {
      sdkLoading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = src;
        script.async = true;
        script.onload = function () { resolve(window.LivekitClient); };
        script.onerror = function () {
          sdkLoading = null;
          reject(new Error("The video player could not be loaded."));
        };
        document.head.appendChild(script);
      });
    }
    return sdkLoading;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  /* A token for the show's room; rejects with {status, code, message}. */
  function fetchToken(url) {
    const key = new URLSearchParams(window.location.search).get("key");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(key ? { key: key } : {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        throw { status: response.status, code: data.code || "", message: data.message || "" };
      });
    });
  }

  function Stage(root) {
    this.root = root;
    this.media = root.querySelector("[data-room-video-media]");
    this.status = root.querySelector("[data-room-video-status]");
  }

  Stage.prototype.say = function (title, text) {
    if (!this.status) return;
    this.status.replaceChildren();
    const heading = document.createElement("p");
    heading.className = "room-video-status-title";
    heading.textContent = title;
    this.status.appendChild(heading);
    if (text) {
      const line = document.createElement("p");
      line.className = "room-video-status-text";
      line.textContent = text;
      this.status.appendChild(line);
    }
    this.status.hidden = false;
    this.root.classList.remove("is-playing");
  };

  Stage.prototype.playing = function () {
    if (this.status) this.status.hidden = true;
    this.media.hidden = false;
    this.root.classList.add("is-playing");
  };

  Stage.prototype.blank = function () {
    this.media.hidden = true;
    this.media.srcObject = null;
  };

  function refusal(stage, error) {
    if (error && error.code === "video_unavailable") {
      stage.say("This show runs without video", "Follow along in the chat and the lineup.");
      return false;
    }
    if (error && error.status === 403) {
      stage.say("You can't watch this video", error.message);
      return false;
    }
    if (error && error.code === "show_not_on_air") {
      stage.say("The video starts when the show goes live");
      return false;
    }
    stage.say("The video can't be reached right now", "Trying again in a few seconds…");
    return true;
  }

  /* ---- Viewers: watch the host's camera and microphone ------------------------------------- */

  function Viewer(root) {
    this.root = root;
    this.stage = new Stage(root);
    this.sound = root.querySelector("[data-room-video-sound]");
    this.room = null;
    this.connecting = false;
    this.status = root.dataset.showStatus;
    this.retry = null;
    this.audio = [];
    const self = this;
    if (this.sound) {
      this.sound.addEventListener("click", function () {
        if (self.room) self.room.startAudio().then(function () { self.sound.hidden = true; });
      });
    }
  }

  Viewer.prototype.showStatus = function (status) {
    this.status = status;
    if (ON_AIR.indexOf(status) !== -1) {
      this.connect();
    } else {
      this.disconnect();
      this.stage.say(status === "scheduled" ? "The video starts when the show goes live" : "The show is over");
    }
  };

  Viewer.prototype.connect = function () {
    if (this.room || this.connecting) return;
    this.connecting = true;
    const self = this;
    clearTimeout(this.retry);
    loadSdk(this.root.dataset.livekitSrc)
      .then(function (sdk) {
        return fetchToken(self.root.dataset.tokenUrl).then(function (grant) {
          const room = new sdk.Room({ adaptiveStream: true });
          self.listen(sdk, room);
          return room.connect(grant.url, grant.token).then(function () {
            self.room = room;
            self.refresh();
          });
        });
      })
      .catch(function (error) {
        if (refusal(self.stage, error) && ON_AIR.indexOf(self.status) !== -1) {
          self.retry = setTimeout(function () { self.connect(); }, RETRY_MS);
        }
      })
      .finally(function () { self.connecting = false; });
  };

  Viewer.prototype.listen = function (sdk, room) {
    const self = this;
    const events = sdk.RoomEvent;
    room.on(events.TrackSubscribed, function (track) {
      if (track.kind === "video") {
        track.attach(self.stage.media);
      } else if (track.kind === "audio") {
        const element = track.attach();
        element.hidden = true;
        self.root.appendChild(element);
        self.audio.push(element);
      }
      self.refresh();
    });
    room.on(events.TrackUnsubscribed, function (track) {
      track.detach().forEach(function (element) {
        if (element !== self.stage.media) element.remove();
      });
      self.refresh();
    });
    room.on(events.TrackMuted, function () { self.refresh(); });
    room.on(events.TrackUnmuted, function () { self.refresh(); });
    room.on(events.AudioPlaybackStatusChanged, function () {
      // Only a connected room has sound to offer; a failed attempt must not show the button.
      if (self.sound) self.sound.hidden = self.room !== room || room.canPlaybackAudio;
    });
    room.on(events.Disconnected, function () {
      self.room = null;
      self.stage.blank();
      if (self.sound) self.sound.hidden = true;
      self.audio.forEach(function (element) { element.remove(); });
      self.audio = [];
      if (ON_AIR.indexOf(self.status) !== -1) {
        self.stage.say("The video was interrupted", "Reconnecting…");
        self.retry = setTimeout(function () { self.connect(); }, RETRY_MS / 5);
      }
    });
  };

  /* Playing when some publisher's camera track is subscribed and on; waiting otherwise. */
  Viewer.prototype.refresh = function () {
    if (!this.room) return;
    let camera = null;
    this.room.remoteParticipants.forEach(function (participant) {
      participant.videoTrackPublications.forEach(function (publication) {
        if (publication.track && !publication.isMuted) camera = publication.track;
      });
    });
    if (camera) {
      this.stage.playing();
    } else {
      this.stage.blank();
      this.stage.say("Waiting for the host's camera", "The video starts as soon as the host turns it on.");
    }
    if (this.sound) this.sound.hidden = this.room.canPlaybackAudio;
  };

  Viewer.prototype.disconnect = function () {
    clearTimeout(this.retry);
    const room = this.room;
    this.room = null;
    if (room) room.disconnect();
    this.stage.blank();
  };

  /* ---- The host: preview the camera, broadcast it while the show is on air ----------------- */

  function Host(root) {
    this.root = root;
    this.stage = new Stage(root);
    this.cameraButton = root.querySelector("[data-room-video-camera]");
    this.broadcastButton = root.querySelector("[data-room-video-broadcast]");
    this.help = root.querySelector("[data-room-video-help]");
    this.status = root.dataset.showStatus;
    this.tracks = [];
    this.room = null;
    this.busy = false;
    this.error = "";
    const self = this;
    this.cameraButton.addEventListener("click", function () {
      if (self.tracks.length) self.stopAll(); else self.preview();
    });
    this.broadcastButton.addEventListener("click", function () {
      if (self.room) self.stopBroadcast(); else self.broadcast();
    });
    this.render();
  }

  Host.prototype.render = function () {
    const onAir = ON_AIR.indexOf(this.status) !== -1;
    if (this.help) this.help.classList.toggle("field-error", Boolean(this.error));
    this.cameraButton.textContent = this.tracks.length ? "Turn camera off" : "Preview camera";
    this.broadcastButton.textContent = this.room ? "Stop broadcasting" : "Start broadcasting";
    this.broadcastButton.disabled = this.busy || (!this.room && !onAir);
    this.cameraButton.disabled = this.busy;
    this.broadcastButton.classList.toggle("button-danger-outline", Boolean(this.room));
    this.broadcastButton.classList.toggle("button-primary", !this.room);
    if (!this.help) return;
    if (this.error) this.help.textContent = this.error;
    else if (this.room) this.help.textContent = "You're broadcasting: viewers see and hear you.";
    else if (onAir) this.help.textContent = "Viewers see and hear you once you start broadcasting.";
    else this.help.textContent = "You can broadcast once the show is live.";
  };

  Host.prototype.showStatus = function (status) {
    this.status = status;
    if (ON_AIR.indexOf(status) === -1 && this.room) this.stopBroadcast();
    this.render();
  };

  Host.prototype.preview = function () {
    const self = this;
    this.busy = true;
    this.render();
    return loadSdk(this.root.dataset.livekitSrc)
      .then(function (sdk) {
        return sdk.createLocalTracks({ audio: true, video: { resolution: sdk.VideoPresets.h720.resolution } });
      })
      .then(function (tracks) {
        self.tracks = tracks;
        tracks.forEach(function (track) {
          if (track.kind === "video") track.attach(self.stage.media);
        });
        self.stage.playing();
      })
      .catch(function (error) {
        const denied = error && (error.name === "NotAllowedError" || error.name === "PermissionDeniedError");
        self.stage.say(
          denied ? "Tokshop can't use your camera" : "Your camera could not be started",
          denied ? "Allow the camera and microphone for this site in your browser's settings." : String(error && error.message || "")
        );
      })
      .finally(function () {
        self.busy = false;
        self.render();
      });
  };

  Host.prototype.broadcast = function () {
    const self = this;
    const ready = this.tracks.length ? Promise.resolve() : this.preview();
    this.error = "";
    ready
      .then(function () {
        if (!self.tracks.length) return null;
        self.busy = true;
        self.render();
        return Promise.all([loadSdk(self.root.dataset.livekitSrc), fetchToken(self.root.dataset.tokenUrl)]).then(function (both) {
          const sdk = both[0];
          const grant = both[1];
          const room = new sdk.Room({ dynacast: true });
          room.on(sdk.RoomEvent.Disconnected, function () {
            if (self.room === room) {
              self.room = null;
              self.render();
            }
          });
          return room.connect(grant.url, grant.token).then(function () {
            return Promise.all(self.tracks.map(function (track) { return room.localParticipant.publishTrack(track); }));
          }).then(function () {
            self.room = room;
          }, function (error) {
            room.disconnect();
            throw error;
          });
        });
      })
      .catch(function (error) {
        // Said below the preview, which stays on: the host sees their camera and what went wrong.
        if (error && error.code === "show_not_on_air") {
          self.error = "You can broadcast once the show is live.";
        } else if (error && error.status) {
          self.error = "Broadcasting could not start: " + (error.message || "the request was refused.");
        } else {
          self.error = "Broadcasting could not start: the video service can't be reached. Try again in a moment.";
        }
      })
      .finally(function () {
        self.busy = false;
        self.render();
      });
  };

  Host.prototype.stopBroadcast = function () {
    const room = this.room;
    this.room = null;
    if (room) {
      this.tracks.forEach(function (track) { room.localParticipant.unpublishTrack(track, false); });
      room.disconnect();
    }
    this.render();
  };

  Host.prototype.stopAll = function () {
    this.error = "";
    this.stopBroadcast();
    this.tracks.forEach(function (track) { track.stop(); });
    this.tracks = [];
    this.stage.blank();
    this.stage.say("Your camera is off", "Preview it before you broadcast.");
    this.render();
  };

  /* ---- Wiring ---------------------------------------------------------------------------- */

  function start() {
    const parts = [];
    document.querySelectorAll("[data-room-video]").forEach(function (root) {
      if (root.dataset.videoEnabled !== "true" || root.dataset.roomVideoReady) return;
      root.dataset.roomVideoReady = "true";
      const part = root.dataset.roomVideo === "host" ? new Host(root) : new Viewer(root);
      parts.push(part);
      if (part instanceof Viewer) part.showStatus(part.status);
    });
    if (!parts.length) return;
    const room = window.TokshopRoom;
    if (room && typeof room.on === "function") {
      room.on("room.snapshot", function (message) {
        if (message.video && message.video.enabled === false) return;
        parts.forEach(function (part) { part.showStatus(message.show.status); });
      });
      room.on("show.status_changed", function (message) {
        parts.forEach(function (part) { part.showStatus(message.show.status); });
      });
    }
    window.addEventListener("pagehide", function () {
      parts.forEach(function (part) {
        if (part instanceof Host) part.stopAll(); else part.disconnect();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
