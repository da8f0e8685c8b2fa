// Field work without a connection (casework.offline). Plain JavaScript, no library.
//
// Everything stored for offline use lives in one IndexedDB store, encrypted with AES-GCM
// under a random data key; the data key is wrapped (AES-GCM) under a key derived from the
// caseworker's offline PIN with PBKDF2-SHA-256 (310,000 iterations, a random salt per
// device). Only the key's wrapping, the salt, the device's random id, counts and times are
// stored in the clear. Every visible word comes from <template id="offline-words">.
(function () {
  "use strict";

  var DB_NAME = "casework-offline";
  var STORE = "vault";
  var ITERATIONS = 310000;
  var MAX_TRIES = 5;
  var enc = new TextEncoder();
  var dec = new TextDecoder();

  // ---- storage -------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function dbDo(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function get(key) { return dbDo("readonly", function (store) { return store.get(key); }); }
  function put(key, value) { return dbDo("readwrite", function (store) { store.put(value, key); }); }
  function del(key) { return dbDo("readwrite", function (store) { store.delete(key); }); }

  // ---- crypto --------------------------------------------------------------------------
  function b64(bytes) {
    var text = "";
    new Uint8Array(bytes).forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text);
  }
  function unb64(text) {
    return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
  }

  function pinKey(pin, salt, iterations) {
    return crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveKey"]).then(function (material) {
      return crypto.subtle.deriveKey(
        { name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["wrapKey", "unwrapKey"]
      );
    });
  }

  function newVault(pin) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return Promise.all([
      pinKey(pin, salt, ITERATIONS),
      crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]),
    ]).then(function (keys) {
      return crypto.subtle.wrapKey("raw", keys[1], keys[0], { name: "AES-GCM", iv: iv }).then(function (wrapped) {
        return { salt: b64(salt), iterations: ITERATIONS, iv: b64(iv), wrapped: b64(wrapped), dataKey: keys[1] };
      });
    });
  }

  function unwrap(meta, pin) {
    return pinKey(pin, unb64(meta.salt), meta.iterations).then(function (kek) {
      return crypto.subtle.unwrapKey(
        "raw", unb64(meta.wrapped), kek, { name: "AES-GCM", iv: unb64(meta.iv) },
        { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]
      );
    });
  }

  function seal(key, value) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, enc.encode(JSON.stringify(value))).then(function (data) {
      return { iv: b64(iv), data: b64(data) };
    });
  }

  function open(key, box) {
    if (!box) return Promise.resolve(null);
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv) }, key, unb64(box.data)).then(function (data) {
      return JSON.parse(dec.decode(data));
    });
  }

  // ---- words and small helpers ---------------------------------------------------------
  function word(name) {
    var templates = document.getElementById("offline-words");
    var found = templates && templates.content.querySelector('[data-word="' + name + '"]');
    return found ? found.textContent : name;
  }
  function say(box, text) {
    if (box) box.textContent = text;
  }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function session(url) {
    return fetch(url, { credentials: "same-origin", redirect: "manual", cache: "no-store" }).then(function (response) {
      if (!response.ok) throw "session";
      return response.json().then(function (answer) {
        if (!answer.signed_in) throw "session";
        return answer;
      });
    });
  }

  function postJson(url, token, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(payload),
    });
  }

  // Wipe. `keepOutbox`: interviews waiting to be sent stay (encrypted) when the wipe is a
  // logout, an expiry or an ended session; wrong PINs and a revoked device wipe everything.
  function wipe(keepOutbox) {
    return get("meta").then(function (meta) {
      if (keepOutbox && meta && meta.pending > 0) return del("cases");
      return new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
    });
  }

  // The wipe is in the access log when the server can be told (signed in, online).
  function tellServerWiped(meta, why) {
    var words = document.getElementById("offline-words");
    if (!meta || !words || !body.dataset.sessionUrl) return Promise.resolve();
    return session(body.dataset.sessionUrl).then(function (answer) {
      return postJson(words.dataset.wipedUrl, answer.csrf_token, { device: meta.device, why: why });
    }).catch(function () {});
  }

  // ---- on every page: the service worker, and logging out --------------------------------
  var body = document.body;
  if (body.dataset.user && "serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }

  // Logging out and quick exit wipe the offline data, unless interviews wait to be sent:
  // then the server is asked to keep the browser's storage (they stay encrypted).
  function guardExit(form, quick) {
    if (!form) return;
    get("meta").then(function (meta) {
      if (!meta || !(meta.pending > 0)) return;
      var keep = el("input");
      keep.type = "hidden";
      keep.name = "keep_offline";
      keep.value = "1";
      form.appendChild(keep);
      form.addEventListener("submit", function () {
        // The cases go; the waiting interviews stay. Quick exit does not wait for this.
        del("cases").catch(function () {});
        if (!quick) sessionStorage.setItem("casework-offline-kept", "1");
      });
    }).catch(function () {});
  }
  guardExit(document.getElementById("quick-exit"), true);
  // Every Log out button (the top bar's, the settings page's); paths are stable.
  document.querySelectorAll('form[action$="/logout/"]').forEach(function (form) { guardExit(form, false); });

  // Signed out (the session ended, or was ended elsewhere): the offline cases are wiped,
  // interviews waiting to be sent stay encrypted, and the person is told about them.
  if (!body.dataset.user && window.indexedDB) {
    get("meta").then(function (meta) {
      if (!meta) return;
      wipe(true);
      if (meta.pending > 0) {
        var main = document.getElementById("main");
        if (main) main.insertBefore(
          el("p", word("kept-count") + " " + meta.pending + ". " + word("kept"), "page-notice offline-kept"),
          main.firstChild
        );
      }
    }).catch(function () {});
  }

  // ---- the take page ---------------------------------------------------------------------
  var takeForm = document.getElementById("take-form");
  if (takeForm) {
    var takeStatus = document.getElementById("take-status");
    document.getElementById("choose-due").addEventListener("click", function () {
      takeForm.querySelectorAll('input[name="case"]').forEach(function (box) {
        box.checked = box.dataset.due === "yes";
      });
    });
    takeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = Array.prototype.map.call(takeForm.querySelectorAll('input[name="case"]:checked'), function (box) {
        return box.value;
      });
      if (!chosen.length) return say(takeStatus, word("choose"));
      var pin = takeForm.querySelector('input[name="pin"]').value;
      var meta, key;
      get("meta").then(function (found) {
        meta = found;
        if (!meta) throw word("no-device");
        return unwrap(meta, pin).catch(function () { throw "pin"; });
      }).then(function (dataKey) {
        key = dataKey;
        return session(body.dataset.sessionUrl);
      }).then(function (answer) {
        return postJson(takeForm.dataset.takeUrl, answer.csrf_token, { device: meta.device, cases: chosen });
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.status === 410 && answer.wipe) {
            return wipe(false).then(function () { throw word("wiped-revoked"); });
          }
          if (!response.ok) throw answer.error || String(response.status);
          return seal(key, answer.cases).then(function (box) {
            meta.expiryHours = answer.expiry_hours;
            meta.lastSync = Date.now();
            meta.cases = answer.cases.length;
            return put("cases", box).then(function () { return put("meta", meta); });
          }).then(function () {
            window.location.assign(takeForm.dataset.homeUrl);
          });
        });
      }).catch(function (problem) {
        if (problem === "pin") {
          return failedPin(meta).then(function (text) { say(takeStatus, text); });
        }
        if (problem === "session") problem = word("session");
        say(takeStatus, typeof problem === "string" ? problem : word("offline"));
      });
    });
  }

  function failedPin(meta) {
    meta.failures = (meta.failures || 0) + 1;
    if (meta.failures >= MAX_TRIES) {
      return wipe(false).then(function () {
        tellServerWiped(meta, "pin");
        return word("wiped-pin");
      });
    }
    return put("meta", meta).then(function () {
      return word("pin-wrong") + " " + (MAX_TRIES - meta.failures);
    });
  }

  // ---- the offline shell -------------------------------------------------------------------
  var app = document.getElementById("offline-app");
  if (!app) return;

  var status = document.getElementById("offline-status");
  var sections = ["offline-setup", "offline-unlock", "offline-list", "offline-case"];
  var state = { key: null, meta: null, cases: [], outbox: [], current: null };

  function showOnly(id) {
    sections.forEach(function (name) { document.getElementById(name).hidden = name !== id; });
  }

  function start() {
    get("meta").then(function (meta) {
      state.meta = meta;
      // Offline data set up under another account on this browser is never opened here.
      if (meta && meta.user && meta.user !== body.dataset.user) {
        showOnly(null);
        return say(status, word("other-user"));
      }
      showOnly(meta ? "offline-unlock" : "offline-setup");
      if (sessionStorage.getItem("casework-offline-kept")) {
        sessionStorage.removeItem("casework-offline-kept");
      }
    });
  }

  document.getElementById("setup-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var name = form.elements.name.value.trim();
    var pin = form.elements.pin.value;
    if (pin !== form.elements.pin2.value) return say(status, word("pin-mismatch"));
    if (!/^\d{6,}$/.test(pin)) return say(status, word("pin-short"));
    session(app.dataset.sessionCheck).then(function (answer) {
      return postJson(app.dataset.registerUrl, answer.csrf_token, { name: name });
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) throw answer.error || String(response.status);
        return newVault(pin).then(function (vault) {
          var meta = {
            device: answer.device, user: body.dataset.user, salt: vault.salt, iterations: vault.iterations, iv: vault.iv,
            wrapped: vault.wrapped, failures: 0, pending: 0, cases: 0,
            lastSync: Date.now(), expiryHours: answer.expiry_hours,
          };
          state.meta = meta;
          state.key = vault.dataKey;
          return put("meta", meta);
        });
      });
    }).then(function () {
      form.reset();
      showList();
    }).catch(function (problem) {
      say(status, typeof problem === "string" && problem !== "session" ? problem : word("session"));
    });
  });

  document.getElementById("unlock-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var pin = event.target.elements.pin.value;
    event.target.reset();
    get("meta").then(function (meta) {
      state.meta = meta;
      if (!meta) return start();
      return unwrap(meta, pin).then(function (key) {
        state.key = key;
        meta.failures = 0;
        return put("meta", meta).then(function () {
          if (Date.now() - meta.lastSync > meta.expiryHours * 3600 * 1000) {
            return wipe(true).then(function () {
              tellServerWiped(meta, "expired");
              say(status, word("expired"));
              return get("meta").then(function (left) {
                state.meta = left;
                if (!left) { state.key = null; return start(); }
                return showList();
              });
            });
          }
          return showList().then(function () {
            if (navigator.onLine) sendNow();
          });
        });
      }, function () {
        return failedPin(meta).then(function (text) {
          say(status, text);
          return get("meta").then(function (left) { if (!left) start(); });
        });
      });
    });
  });

  function load() {
    return Promise.all([get("cases"), get("outbox")]).then(function (boxes) {
      return Promise.all([open(state.key, boxes[0]), open(state.key, boxes[1])]);
    }).then(function (opened) {
      state.cases = opened[0] || [];
      state.outbox = opened[1] || [];
    });
  }

  function saveOutbox() {
    return seal(state.key, state.outbox).then(function (box) {
      state.meta.pending = state.outbox.length;
      return put("outbox", box).then(function () { return put("meta", state.meta); });
    });
  }

  function saveCases() {
    return seal(state.key, state.cases).then(function (box) { return put("cases", box); });
  }

  function showList() {
    return load().then(function () {
      showOnly("offline-list");
      var list = document.getElementById("offline-cases");
      list.replaceChildren();
      if (!state.cases.length) list.appendChild(el("li", word("none")));
      state.cases.forEach(function (item) {
        var li = el("li", null, "card");
        var link = el("a", item.case_number + (item.name ? " · " + item.name : ""));
        link.href = "#case-" + item.id;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          showCase(item.id);
        });
        li.appendChild(link);
        list.appendChild(li);
      });
      drawOutbox();
    });
  }

  function drawOutbox() {
    var waiting = state.outbox.length;
    document.getElementById("outbox-count").textContent = word("waiting") + " " + waiting;
    document.getElementById("send-now").hidden = waiting === 0;
    var problems = document.getElementById("outbox-problems");
    problems.replaceChildren();
    state.outbox.forEach(function (item, index) {
      if (!item.problem) return;
      var li = el("li", null, "card");
      var number = (state.cases.find(function (c) { return c.id === item.case; }) || {}).case_number || "";
      li.appendChild(el("p", number + " · " + item.problem));
      if (item.conflict) {
        var table = el("table");
        var head = el("tr");
        ["", word("theirs"), word("yours")].forEach(function (text) {
          var th = el("th", text);
          th.scope = "col";
          head.appendChild(th);
        });
        table.appendChild(head);
        item.conflict.rows.forEach(function (row) {
          var tr = el("tr");
          row.forEach(function (cell) { tr.appendChild(el("td", cell)); });
          table.appendChild(tr);
        });
        var box = el("div", null, "conflict");
        box.appendChild(el("p", item.conflict.title));
        box.appendChild(table);
        li.appendChild(box);
        var again = el("button", word("send-again"));
        again.type = "button";
        again.addEventListener("click", function () {
          item.fields[item.conflict.version_field] = String(item.conflict.version);
          delete item.conflict;
          delete item.problem;
          saveOutbox().then(sendNow);
        });
        li.appendChild(again);
      }
      problems.appendChild(li);
      void index;
    });
  }

  function setField(form, name, value) {
    form.querySelectorAll('[name="' + name + '"], [name="initial-' + name + '"]').forEach(function (input) {
      if (input.type === "checkbox") input.checked = !!value;
      else input.value = value === null || value === undefined ? "" : value;
    });
  }

  function showCase(id) {
    var item = state.cases.find(function (c) { return c.id === id; });
    if (!item) return;
    state.current = item;
    showOnly("offline-case");
    document.getElementById("case-heading").textContent = item.case_number + (item.name ? " · " + item.name : "");
    var facts = document.getElementById("case-facts");
    facts.replaceChildren();
    var form = document.getElementById("offline-interview");
    form.reset();
    var today = new Date();
    var iso = new Date(today.getTime() - today.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    setField(form, "interview-held_on", iso);
    setField(form, "interview-submission_token", crypto.randomUUID());
    document.getElementById("mother-fields").hidden = !item.mother;
    if (item.mother) {
      setField(form, "mother-status", item.mother.status);
      setField(form, "mother-whereabouts", item.mother.whereabouts);
      setField(form, "mother-version", item.mother.version);
    } else {
      facts.appendChild(el("p", word("no-mother")));
    }
    Object.keys(item.doors).forEach(function (kind) {
      var door = item.doors[kind];
      ["status", "barrier", "note", "version"].forEach(function (field) {
        setField(form, "door-" + kind + "-" + field, door[field]);
      });
    });
    form.querySelectorAll("details[data-door]").forEach(function (details) {
      var kind = details.dataset.door;
      var select = form.querySelector('[name="door-' + kind + '-status"]');
      var shown = details.querySelector("[data-door-status]");
      details.open = false;
      if (select && shown && item.doors[kind]) {
        shown.textContent = select.options[select.selectedIndex] ? select.options[select.selectedIndex].text : "";
        shown.className = "door door-" + item.doors[kind].status;
      }
    });
    if (item.village) facts.appendChild(el("p", word("village") + " " + item.village));
    if (item.interviews.length) {
      facts.appendChild(el("p", word("earlier") + " " + item.interviews.map(function (i) { return i.held_on; }).join(", ")));
      item.interviews.forEach(function (i) { if (i.notes) facts.appendChild(el("p", i.held_on + ": " + i.notes, "muted")); });
    }
    facts.hidden = !facts.childNodes.length;
  }

  document.getElementById("back-to-list").addEventListener("click", function (event) {
    event.preventDefault();
    showList();
  });

  document.getElementById("offline-interview").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      // The mother's part is left out when the case has no mother recorded.
      if (!state.current.mother && (name.indexOf("mother-") === 0 || name.indexOf("initial-mother-") === 0)) return;
      fields[name] = String(value);
    });
    state.outbox.push({ case: state.current.id, fields: fields, saved: Date.now() });
    // The device's copy shows what the interview found (the versions stay those taken).
    var item = state.current;
    if (item.mother) {
      item.mother.status = fields["mother-status"];
      item.mother.whereabouts = fields["mother-whereabouts"];
    }
    Object.keys(item.doors).forEach(function (kind) {
      ["status", "barrier", "note"].forEach(function (name) {
        var key = "door-" + kind + "-" + name;
        if (key in fields) item.doors[kind][name] = fields[key];
      });
    });
    item.interviews.unshift({ held_on: fields["interview-held_on"] });
    saveCases().then(saveOutbox).then(function () {
      say(status, word("saved"));
      return showList();
    }).then(function () {
      if (navigator.onLine) sendNow();
    });
  });

  // A tap on "Send now" (or the connection coming back) while a send is under way is not
  // lost: one more send follows it. The first may have failed on a connection not yet up.
  var sending = false;
  var again = false;
  function sendNow() {
    if (!state.key || !state.meta) return Promise.resolve();
    if (sending) {
      again = true;
      return Promise.resolve();
    }
    sending = true;
    var sent = 0;
    var token;
    function next(index) {
      if (index >= state.outbox.length) return Promise.resolve();
      var item = state.outbox[index];
      if (item.conflict) return next(index + 1);
      return postJson(app.dataset.syncUrl, token, { device: state.meta.device, case: item.case, fields: item.fields })
        .then(function (response) {
          if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) throw "session";
          return response.json().catch(function () { return {}; }).then(function (answer) {
            if (response.status === 410 && answer.wipe) throw "revoked";
            if (response.ok) {
              state.outbox.splice(index, 1);
              sent += 1;
              // The server's copy of the case now, with its new versions, replaces the device's.
              if (answer.case) {
                state.cases = state.cases.map(function (c) { return c.id === answer.case.id ? answer.case : c; });
              }
              return saveCases().then(saveOutbox).then(function () { return next(index); });
            }
            if (response.status === 409 && answer.conflict) {
              item.conflict = answer.conflict;
              item.problem = word("conflict");
            } else if (response.status === 404) {
              item.problem = word("refused");
            } else {
              item.problem = word("problem") + " " + (answer.error || response.status);
            }
            return saveOutbox().then(function () { return next(index + 1); });
          });
        });
    }
    return session(app.dataset.sessionCheck).then(function (answer) {
      token = answer.csrf_token;
      return next(0).then(function () {
        return postJson(app.dataset.syncUrl, token, { device: state.meta.device, ping: true });
      }).then(function (response) {
        if (response.status === 410) throw "revoked";
        state.meta.lastSync = Date.now();
        return put("meta", state.meta);
      });
    }).then(function () {
      if (sent) say(status, word("sent") + " " + sent);
      drawOutbox();
    }, function (problem) {
      if (problem === "revoked") {
        state.key = null;
        return wipe(false).then(function () {
          say(status, word("wiped-revoked"));
          start();
        });
      }
      if (problem === "session") {
        // An ended session: the cases go, the waiting interviews stay.
        return wipe(true).then(function () {
          say(status, word("session"));
          drawOutbox();
        });
      }
      say(status, word("offline"));
    }).finally(function () {
      sending = false;
      if (again) {
        again = false;
        sendNow();
      }
    });
  }

  document.getElementById("send-now").addEventListener("click", function () { sendNow(); });
  window.addEventListener("online", function () { sendNow(); });

  document.getElementById("wipe-device").addEventListener("click", function () {
    if (!window.confirm(word("confirm-wipe"))) return;
    var meta = state.meta;
    state.key = null;
    wipe(false).then(function () {
      tellServerWiped(meta, "user");
      start();
    });
  });

  start();
})();
