// Keyboard use of the console: j/k (or arrows) move through the queue, Enter opens;
// on a review, p publishes, d dismisses, n goes to the next item. Keys typed into a field
// are the field's.
(function () {
  "use strict";
  function typing(event) {
    var tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
  }
  function click(id) {
    var element = document.getElementById(id);
    if (element) { element.click(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    var items = Array.prototype.slice.call(document.querySelectorAll(".queue .item"));
    if (items.length) {
      var at = items.indexOf(document.activeElement);
      if (event.key === "j" || event.key === "ArrowDown") {
        items[Math.min(at + 1, items.length - 1)].focus(); event.preventDefault();
      } else if (event.key === "k" || event.key === "ArrowUp") {
        items[Math.max(at - 1, 0)].focus(); event.preventDefault();
      }
      return;
    }
    if (event.key === "p") { click("publish"); }
    else if (event.key === "d") { click("dismiss"); }
    else if (event.key === "n") { click("next-link"); }
  });
})();
