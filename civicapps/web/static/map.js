/* The core's map component (window.civicMap), used by every plugin's maps through the
   civicapps/map.html macros. A map is an enhancement: the page under it already lists what it shows
   and has fields for what it picks, so nothing here is needed to use a page.

   civicMap.create(element)      a Leaflet map in a [data-civic-map] element, with the tiles and
                                 attribution the macro put there from the plugin's settings.
   civicMap.pins(map)            a layer for many pins: clustered when Leaflet.markercluster is loaded.
   civicMap.listed(map, element) the records a results page lists (data-points), as linked pins, fitted
                                 to the searched circle (data-lat, data-lon, data-radius) or the pins.
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
  var DIRECTIONS = { north: "north", south: "south", west: "west", east: "east" };

  function create(element, options) {
    element.hidden = false;
    // The sentence under the map saying where the page lists what the map shows (its text alternative).
    var alternative = element.dataset.alternative && document.getElementById(element.dataset.alternative);
    if (alternative) { alternative.hidden = false; }
    element.classList.add("civic-map--active");
    options = L.extend({ scrollWheelZoom: false, zoomControl: true }, options || {});
    var zoomControl = options.zoomControl;
    var map = L.map(element, L.extend({}, options, { zoomControl: false }));
    // Leaflet's own English (zoom buttons, its credit's title) replaced by the page's language.
    if (zoomControl) {
      L.control.zoom({ zoomInTitle: say(map, "zoomIn", "Zoom in"), zoomOutTitle: say(map, "zoomOut", "Zoom out") })
        .addTo(map);
    }
    var leaflet = document.createElement("a");
    leaflet.href = "https://leafletjs.com";
    leaflet.title = say(map, "leaflet", "A JavaScript library for interactive maps");
    leaflet.textContent = "Leaflet";
    map.attributionControl.setPrefix(leaflet.outerHTML);
    // Leaflet sets the attribution as HTML: the settings' text is escaped here, never trusted as markup.
    var credit = document.createElement("span");
    credit.textContent = element.dataset.attribution || "";
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: credit.innerHTML }).addTo(map);
    return map;
  }

  /* The map's words in the page's language: the macro puts them, translated, in data-civic-map-text
     (JSON); %(name)s placeholders are filled from values. English is the fallback. */
  function say(map, key, english, values) {
    var element = map.getContainer();
    if (!element.civicMapText) { element.civicMapText = JSON.parse(element.dataset.civicMapText || "{}"); }
    var text = element.civicMapText[key] || english;
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && name in values ? values[name] : whole;
    });
  }

  function pins(map) {
    var layer = L.markerClusterGroup
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 })
      : L.layerGroup();
    return layer.addTo(map);
  }

  /* What a results page lists, on its map: a linked pin per record in the element's data-points (JSON:
     lat, lon, title, url), fitted to the searched circle (data-lat, data-lon, data-radius in metres) when
     there is one, else to the pins, else to Britain. The pins are not keyboard stops: the list on the
     page links to every record, and dense pins (a town centre) would be stops too small and close to tell
     apart (WCAG 2.5.8). */
  function listed(map, element) {
    var layer = pins(map), bounds = [];
    JSON.parse(element.dataset.points || "[]").forEach(function (p) {
      var marker = L.marker([p.lat, p.lon], { alt: p.title, title: p.title, keyboard: false }).addTo(layer);
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.title;
      marker.bindPopup(link);
      bounds.push([p.lat, p.lon]);
    });
    var lat = parseFloat(element.dataset.lat), lon = parseFloat(element.dataset.lon);
    var radius = parseFloat(element.dataset.radius);
    if (!isNaN(lat) && !isNaN(lon) && radius) {
      map.fitBounds(L.latLng(lat, lon).toBounds(radius * 2));
      L.circle([lat, lon], { radius: radius, fill: false }).addTo(map);
    } else if (bounds.length) {
      map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
    } else {
      map.setView([54.5, -3], 5);
    }
  }

  function where(map, latlng) {
    return say(map, "where", "latitude %(lat)s, longitude %(lon)s",
      { lat: latlng.lat.toFixed(5), lon: latlng.lng.toFixed(5) });
  }

  /* options: target (the element that takes the keys; default the map's container, made a tab stop),
     status (the live region), moved(latlng) after each move, confirm(latlng) on Enter or Space,
     help (said when the target gets the focus), after (said after each move). */
  function keyboardMarker(map, marker, options) {
    var target = options.target || map.getContainer();
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "0"); }
    function announce(text) { if (options.status) { options.status.textContent = text; } }
    if (options.help) {
      target.addEventListener("focus", function () {
        announce(say(map, "markerAt", "Marker at %(place)s.", { place: where(map, marker.getLatLng()) }) + " " +
          options.help);
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
        announce(say(map, "moved", "Marker moved %(direction)s to %(place)s.", {
          direction: say(map, key[2], DIRECTIONS[key[2]]), place: where(map, moved)
        }) + (options.after || ""));
      } else if ((event.key === "Enter" || event.key === " ") && options.confirm) {
        announce(say(map, "choosing", "Choosing %(place)s.", { place: where(map, marker.getLatLng()) }));
        options.confirm(marker.getLatLng());
      } else if (event.key === "+" || event.key === "=" || event.key === "-") {
        map.setZoomAround(marker.getLatLng(), map.getZoom() + (event.key === "-" ? -1 : 1));
        announce(say(map, "zoomLevel", "Zoom level %(zoom)s.", { zoom: map.getZoom() }));
      } else {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
    });
  }

  window.civicMap = { create: create, pins: pins, listed: listed, keyboardMarker: keyboardMarker };
})();
