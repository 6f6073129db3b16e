/* The end of a signed-in session (WCAG 2.2.1): two minutes before it, a modal dialog says when
   it ends, with « Rester connecté » and « Se déconnecter »; at the end, that it has ended, with a
   link to sign in again. The page gives the seconds left and the warning's lead
   (templates/macros/session_timeout.html); every htmx answer gives the seconds left again
   (header X-Session-Remaining), as each request moves the end. Without this script the page
   shows the same notice in plain text. */
(function () {
  "use strict";

  var root = document.getElementById("session-fin");
  var dialog = document.getElementById("session-fin-dialogue");
  if (!root || !dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var warningMs = Number(root.getAttribute("data-session-warning")) * 1000;
  var deadline = 0;
  var warnTimer = null;
  var endTimer = null;
  var ended = false;
  var returnFocus = null;
  var timeFormat = new Intl.DateTimeFormat("fr-FR", {
    hour: "numeric",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: "Europe/Paris"
  });

  function hourText(date) {
    var parts = {};
    timeFormat.formatToParts(date).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return Number(parts.hour) + " h " + parts.minute;
  }

  function states(name) {
    return dialog.querySelectorAll('[data-session-state="' + name + '"]');
  }

  function show(name, shown) {
    Array.prototype.forEach.call(states(name), function (element) {
      element.hidden = !shown;
    });
  }

  function schedule(seconds) {
    if (ended || !(seconds >= 0)) {
      return;
    }
    deadline = Date.now() + seconds * 1000;
    var text = hourText(new Date(deadline));
    Array.prototype.forEach.call(document.querySelectorAll("[data-session-ends]"), function (span) {
      span.textContent = text;
    });
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, Math.max(0, seconds * 1000 - warningMs));
    endTimer = setTimeout(end, seconds * 1000);
  }

  function open(focusTarget) {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      // The dialog says it all: the page's own notice, under its backdrop, would be read
      // dimmed (and as text of too low a contrast) until it closes.
      root.hidden = true;
      dialog.showModal();
    }
    focusTarget.focus();
  }

  function close() {
    if (!dialog.open) {
      return;
    }
    dialog.close();
  }

  function warn() {
    if (ended || Date.now() >= deadline) {
      return;
    }
    show("avertissement", true);
    show("fin", false);
    dialog.setAttribute("aria-labelledby", "session-fin-titre");
    dialog.setAttribute("aria-describedby", "session-fin-texte");
    open(dialog.querySelector("[data-session-prolonger] button"));
  }

  function end() {
    if (Date.now() < deadline - 500) {
      return; // moved meanwhile
    }
    ended = true;
    clearTimeout(warnTimer);
    var link = dialog.querySelector("[data-session-sign-in]");
    if (link.hasAttribute("data-session-next")) {
      // Signed in again, back to this page (the login page checks it is one of the service's).
      var url = new URL(link.href, location.href);
      url.searchParams.set("next", location.pathname + location.search);
      link.href = url.pathname + url.search;
    }
    show("avertissement", false);
    show("fin", true);
    dialog.setAttribute("aria-labelledby", "session-fin-titre-fin");
    dialog.setAttribute("aria-describedby", "session-fin-texte-fin");
    open(link);
  }

  dialog.addEventListener("close", function () {
    root.hidden = false;
    var target = returnFocus;
    returnFocus = null;
    if (target && target !== document.body && document.contains(target)) {
      target.focus();
    } else {
      var main = document.getElementById("contenu");
      if (main) {
        main.focus();
      }
    }
  });

  // Each answer to this session says how long it still lives (a 204 to « Rester connecté »
  // as well): the warning and the end move, and an open warning closes.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var value = xhr ? xhr.getResponseHeader("X-Session-Remaining") : null;
    if (value === null || value === "") {
      return;
    }
    schedule(Number(value));
    if (!ended) {
      close();
    }
  });

  // Timers of a hidden tab or a sleeping device fire late, or not at all: check on return.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || ended || !deadline) {
      return;
    }
    if (Date.now() >= deadline) {
      end();
    } else if (Date.now() >= deadline - warningMs) {
      warn();
    }
  });

  schedule(Number(root.getAttribute("data-session-remaining")));
})();
