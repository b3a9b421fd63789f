/* Taleas reader site: keyboard navigation, the alt-text button and infinite scroll.
   Everything here is an enhancement: without JavaScript the links and the "Older comics"
   pagination work as they are. */
(function () {
  "use strict";

  /* Left and right arrows follow rel=prev / rel=next, unless the reader is typing or
     using a modifier (browser shortcuts keep working). */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
    if (!rel) return;
    var link = document.querySelector('link[rel="' + rel + '"]');
    if (!link) return;
    event.preventDefault();
    window.location.href = link.href;
  });

  /* The alt text (the hover text) for touch screens: a button that shows it. */
  function enableAltButtons(root) {
    root.querySelectorAll(".alt-toggle[hidden]").forEach(function (button) {
      var text = document.getElementById(button.getAttribute("aria-controls"));
      if (!text) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var show = text.hidden;
        text.hidden = !show;
        button.setAttribute("aria-expanded", String(show));
        button.textContent = show ? "Hide alt text" : "Show alt text";
      });
    });
  }

  /* Infinite scroll: when the "Older comics" link comes near the viewport, fetch the next batch
     as a fragment and put it in the link's place. */
  function enableStream() {
    var container = document.querySelector("[data-stream]");
    if (!container || !("IntersectionObserver" in window) || !window.fetch) return;
    var status = document.querySelector("[data-stream-status]");
    var busy = false;

    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) load(entry.target);
      });
    }, { rootMargin: "800px 0px" });

    function watch() {
      var link = container.querySelector("[data-older]");
      if (link) observer.observe(link);
    }

    function load(link) {
      if (busy) return;
      busy = true;
      var wrap = link.closest("[data-older-wrap]");
      wrap.classList.add("is-loading");
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("fragment", "1");
      fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          observer.unobserve(link);
          var template = document.createElement("template");
          template.innerHTML = html;
          var items = template.content.querySelectorAll(".stream-item");
          items.forEach(function (item) { item.classList.add("is-new"); });
          // A keyboard reader who was on the link carries on at the first new comic.
          var hadFocus = wrap.contains(document.activeElement);
          var firstLink = items.length ? items[0].querySelector("h3 a") : null;
          wrap.replaceWith(template.content);
          if (hadFocus && firstLink) firstLink.focus();
          if (status) status.textContent = items.length + " older comics loaded.";
          busy = false;
          watch();
        })
        .catch(function () {
          // The link still works as plain pagination.
          wrap.classList.remove("is-loading");
          busy = false;
        });
    }

    watch();
  }

  function init() {
    enableAltButtons(document);
    enableStream();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
