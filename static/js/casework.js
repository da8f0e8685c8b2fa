// The page's own script (CSP allows only our own files, no inline script). Every visible
// word comes from templates/base.html's <template id="notices">, so it is translated there.
(function () {
  "use strict";

  // Quick exit: pressing Escape twice within a second submits the exit form, which ends the
  // session and leaves for a neutral page.
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1000) {
      var form = document.getElementById("quick-exit");
      if (form) form.submit();
    }
    lastEscape = now;
  });

  var body = document.body;
  var sessionUrl = body.dataset.sessionUrl; // only on pages of a signed-in user
  var WARN_SECONDS = 120;

  function notice(kind) {
    var templates = document.getElementById("notices");
    var found = templates && templates.content.querySelector('[data-notice="' + kind + '"]');
    return found ? found.cloneNode(true) : document.createTextNode(kind);
  }

  // A live region exists before it is filled, so that a screen reader announces the filling.
  function statusBox(form) {
    var box = form.querySelector(".form-status");
    if (!box) {
      box = document.createElement("div");
      box.className = "form-status";
      box.setAttribute("role", "alert");
      var actions = form.querySelector(".actions");
      if (actions && actions.parentNode === form) form.insertBefore(box, actions);
      else form.appendChild(box);
    }
    return box;
  }

  function show(box, kind, retry) {
    box.replaceChildren(notice(kind));
    box.classList.add("filled");
    var again = box.querySelector("[data-retry]");
    if (again && retry) again.addEventListener("click", retry);
  }

  function clear(box) {
    box.replaceChildren();
    box.classList.remove("filled");
  }

  // Signing in again gives a new CSRF token: the page's forms and htmx take it up, so the
  // text kept in the page can be sent without reloading it.
  function takeToken(token) {
    body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
    document.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) {
      input.value = token;
    });
  }

  // Asks whether this person is still signed in. Resolves with the answer, or rejects with
  // the notice to show: "session-ended", "other-user", "offline" or "server".
  function checkSession() {
    return fetch(sessionUrl, { credentials: "same-origin", redirect: "manual", cache: "no-store" }).then(
      function (response) {
        if (response.status === 401 || response.type === "opaqueredirect") throw "session-ended";
        if (!response.ok) throw "server";
        return response.json().then(function (answer) {
          if (!answer.signed_in) throw "session-ended";
          // Text typed under one sign-in is never sent under someone else's.
          if (String(answer.user) !== body.dataset.user) throw "other-user";
          takeToken(answer.csrf_token);
          schedule(answer.seconds_left);
          return answer;
        });
      },
      function () {
        throw "offline";
      }
    );
  }

  function failure(reason) {
    return typeof reason === "string" ? reason : "offline";
  }

  // Plain forms (no htmx) are sent only once the session is known to be alive: a form sent
  // after the session ended would be answered by the login page and its text lost.
  function sendWhenSignedIn(form, submitter) {
    var box = statusBox(form);
    checkSession().then(
      function () {
        clear(box);
        form.dataset.checked = "yes";
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
      },
      function (reason) {
        show(box, failure(reason), function () {
          sendWhenSignedIn(form, submitter);
        });
      }
    );
  }

  if (sessionUrl) {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (event.defaultPrevented || form.method !== "post" || !form.closest("main")) return;
      if (form.hasAttribute("hx-post")) return; // htmx sends it; its failures are below
      if (form.hasAttribute("data-direct")) return; // logging out needs no live session
      if (form.dataset.checked === "yes") {
        delete form.dataset.checked;
        return;
      }
      event.preventDefault();
      sendWhenSignedIn(form, event.submitter);
    });
  }

  // htmx failures: conflicts (409) and field errors (422) are swapped in like any answer
  // (the htmx-config meta in base.html); everything else is said beside the form, which
  // keeps its text, with a way to try again.
  function boxFor(elt) {
    var form = elt.closest ? elt.closest("form") : null;
    return form ? statusBox(form) : document.getElementById("page-notice");
  }

  function retryRequest(elt) {
    return function () {
      var box = boxFor(elt);
      checkSession().then(
        function () {
          clear(box);
          if (elt.tagName === "FORM") elt.requestSubmit();
          else htmx.trigger(elt, elt.getAttribute("hx-trigger") ? "submit" : "click");
        },
        function (reason) {
          show(box, failure(reason), retryRequest(elt));
        }
      );
    };
  }

  function kindOfStatus(status) {
    if (status === 401 || status === 403) return "session-ended"; // 403: a token from before signing in again
    if (status === 404) return "refused";
    return "server";
  }

  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    show(boxFor(elt), kindOfStatus(event.detail.xhr.status), retryRequest(elt));
  });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var elt = event.detail.elt;
      show(boxFor(elt), "offline", retryRequest(elt));
    });
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (form) clear(statusBox(form));
  });

  // The warning two minutes before the session ends. Every answer from the server says how
  // long the session now lasts (X-Session-Seconds), since every request renews it.
  var warnTimer = null;
  var endTimer = null;

  function sessionBox() {
    return document.getElementById("session-warning");
  }

  function schedule(seconds) {
    if (!sessionUrl || !sessionBox()) return;
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clear(sessionBox());
    warnTimer = setTimeout(warn, Math.max(0, seconds - WARN_SECONDS) * 1000);
    endTimer = setTimeout(ended, seconds * 1000);
  }

  function warn() {
    var box = sessionBox();
    show(box, "expiring");
    var stay = box.querySelector("[data-stay]");
    if (stay)
      stay.addEventListener("click", function () {
        checkSession().then(null, function (reason) {
          show(box, failure(reason));
        });
      });
  }

  function ended() {
    show(sessionBox(), "expired");
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var seconds = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Session-Seconds");
    if (seconds) schedule(parseInt(seconds, 10));
  });
  if (sessionUrl) schedule(parseInt(body.dataset.sessionSeconds, 10));

  // Focus follows an edit in place: into the form when it opens, back to the card's heading
  // once it is saved, so that a keyboard user is not dropped to the top of the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var card = target && target.id ? document.getElementById(target.id) : null;
    if (!card || !card.classList.contains("card")) return;
    // After a refused save (422), the first field in error; else the form's first field.
    var field =
      card.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea") ||
      card.querySelector("form input:not([type=hidden]), form select, form textarea");
    var heading = card.querySelector("h2");
    if (card.querySelector(".conflict")) heading = card.querySelector(".conflict");
    if (field && !card.querySelector(".conflict")) field.focus();
    else if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });

  // Tables that are wider than a phone become stacked cards: each cell is labelled with
  // its column's heading, and the scroll box (and its tab stop) is no longer needed.
  function stackTables(root) {
    root.querySelectorAll("table.cases").forEach(function (table) {
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (headings[index] && !cell.hasAttribute("colspan")) cell.setAttribute("data-label", headings[index]);
        });
      });
      table.classList.add("stacked");
      if (window.matchMedia("(max-width: 699px)").matches) table.removeAttribute("tabindex");
    });
  }
  stackTables(document);

  // Opening a case for a sibling: the new family, mother and father are not needed once
  // an existing family is chosen, so they are hidden (and not sent) while it is.
  var sibling = document.getElementById("id_sibling-family");
  if (sibling) {
    var showNewFamily = function () {
      document.querySelectorAll("[data-new-family]").forEach(function (part) {
        part.hidden = sibling.value !== "";
        part.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.disabled = sibling.value !== "";
        });
      });
    };
    sibling.addEventListener("change", showNewFamily);
    showNewFamily();
  }

  // An error summary already on the page when it loads is not announced by its role
  // alone: focus moves to it, so that it is read first.
  var summary = document.querySelector("main .error[role=alert]");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  // Filters take a phone's first screen: folded there unless one is in use.
  if (window.matchMedia("(max-width: 699px)").matches) {
    document.querySelectorAll("details.filters-fold:not([data-in-use])").forEach(function (fold) {
      fold.removeAttribute("open");
    });
  }

  // The referral slip's Print button (no inline script under the content security policy).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // Live search: the results are replaced whole, so their count is said in a region that
  // stays on the page.
  document.addEventListener("htmx:afterSwap", function () {
    var count = document.querySelector("#results .results-count");
    var region = document.getElementById("results-status");
    if (count && region) region.textContent = count.textContent;
  });
})();
