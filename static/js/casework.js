// Quick exit: pressing Escape twice within a second submits the exit form, which ends the
// session and leaves for a neutral page. location.replace keeps the case page out of the
// back-button history when the form cannot be submitted.
(function () {
  "use strict";
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
})();
