/* The core's map component (window.civicMap), used by every plugin's maps through the
   civicapps/map.html macros. A map is an enhancement: the page under it already lists what it shows
   and has fields for what it picks, so nothing here is needed to use a page.

   civicMap.create(element)      a Leaflet map in a [data-civic-map] element, with the tiles and
                                 attribution the macro put there from the plugin's settings.
   civicMap.pins(map)            a layer for many pins: clustered when Leaflet.markercluster is loaded.
   civicMap.keyboardMarker(...)  arrow keys move a marker (Shift: bigger steps), + and - zoom, Enter or
                                 Space confirm; every move is announced in a live region. */
(function () {
  "use strict";
  if (!window.L) { return; }

  /* About 50 m north-south and east-west in Britain a press; Shift moves five times as far. */
  var STEP = { lat: 0.00045, lon: 0.00075 };
  var KEYS = {
    ArrowUp: [1, 0, "north"], ArrowDown: [-1, 0, "south"],
    ArrowLeft: [0, -1, "west"], ArrowRight: [0, 1, "east"]
  };

  function create(element, options) {
    element.hidden = false;
    // The sentence under the map saying where the page lists what the map shows (its text alternative).
    var alternative = element.dataset.alternative && document.getElementById(element.dataset.alternative);
    if (alternative) { alternative.hidden = false; }
    element.classList.add("civic-map--active");
    var map = L.map(element, L.extend({ scrollWheelZoom: false }, options || {}));
    // Leaflet sets the attribution as HTML: the settings' text is escaped here, never trusted as markup.
    var credit = document.createElement("span");
    credit.textContent = element.dataset.attribution || "";
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: credit.innerHTML }).addTo(map);
    return map;
  }

  function pins(map) {
    var layer = L.markerClusterGroup
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 })
      : L.layerGroup();
    return layer.addTo(map);
  }

  function where(latlng) {
    return "latitude " + latlng.lat.toFixed(5) + ", longitude " + latlng.lng.toFixed(5);
  }

  /* options: target (the element that takes the keys; default the map's container, made a tab stop),
     status (the live region), moved(latlng) after each move, confirm(latlng) on Enter or Space,
     help (said when the target gets the focus), after (said after each move). */
  function keyboardMarker(map, marker, options) {
    var target = options.target || map.getContainer();
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "0"); }
    function say(text) { if (options.status) { options.status.textContent = text; } }
    if (options.help) {
      target.addEventListener("focus", function () {
        say("Marker at " + where(marker.getLatLng()) + ". " + options.help);
      });
    }
    target.addEventListener("keydown", function (event) {
      var key = KEYS[event.key];
      if (key) {
        var at = marker.getLatLng(), times = event.shiftKey ? 5 : 1;
        var moved = L.latLng(at.lat + key[0] * STEP.lat * times, at.lng + key[1] * STEP.lon * times);
        marker.setLatLng(moved);
        if (!map.getBounds().pad(-0.15).contains(moved)) { map.panTo(moved); }
        if (options.moved) { options.moved(moved); }
        say("Marker moved " + key[2] + " to " + where(moved) + "." + (options.after || ""));
      } else if ((event.key === "Enter" || event.key === " ") && options.confirm) {
        say("Choosing " + where(marker.getLatLng()) + ".");
        options.confirm(marker.getLatLng());
      } else if (event.key === "+" || event.key === "=" || event.key === "-") {
        map.setZoomAround(marker.getLatLng(), map.getZoom() + (event.key === "-" ? -1 : 1));
        say("Zoom level " + map.getZoom() + ".");
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    });
  }

  window.civicMap = { create: create, pins: pins, keyboardMarker: keyboardMarker };
})();
