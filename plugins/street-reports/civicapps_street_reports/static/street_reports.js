/* Street reports: the Leaflet map, an enhancement. Every page works without it: the map only fills
   in the same fields (a click while reporting goes to the category step with lat/lon), and shows the
   reports the page already lists or links to. Text from residents is set with textContent, never HTML. */
(function () {
  "use strict";

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span.innerHTML;
  }

  function popup(feature) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = feature.properties.url;
    link.textContent = feature.properties.title;
    var meta = document.createElement("p");
    meta.textContent = feature.properties.category + " · " + feature.properties.status_label;
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  function addReports(map, layer, features) {
    layer.clearLayers();
    features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var open = ["fixed", "not_responsible", "duplicate", "no_further_action", "closed"].indexOf(feature.properties.status) < 0;
      L.circleMarker([c[1], c[0]], {radius: 8, weight: 2, color: open ? "#d4351c" : "#00703c", fillOpacity: 0.6})
        .bindPopup(popup(feature)).addTo(layer);
    });
  }

  function init() {
    document.documentElement.classList.add("js-enabled");
    var el = document.getElementById("map");
    if (!el || !window.L) { return; }
    el.classList.add("map--active");
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    var zoom = parseInt(el.getAttribute("data-zoom"), 10) || 15;
    var pick = el.getAttribute("data-pick");
    // A map to pick a place on has its own keys (the marker moves, not the map); others pan as usual.
    var map = L.map(el, {keyboard: !pick}).setView([lat, lon], zoom);
    L.tileLayer(el.getAttribute("data-tiles"), {
      attribution: text(el.getAttribute("data-attribution") || ""), maxZoom: 19
    }).addTo(map);
    var marker = null;
    if (el.getAttribute("data-marker")) {
      marker = L.marker([lat, lon], {keyboard: false, alt: "The place", interactive: false}).addTo(map);
    }
    var layer = L.layerGroup().addTo(map);
    var embedded = el.getAttribute("data-geojson");
    if (embedded) {
      var data = JSON.parse(embedded);
      addReports(map, layer, data.features);
      if (data.features.length) {
        map.fitBounds(L.geoJSON(data).getBounds(), {maxZoom: 16, padding: [20, 20]});
      }
    }
    var reportsUrl = el.getAttribute("data-reports");
    if (reportsUrl) {
      var load = function () {
        var url = reportsUrl + (reportsUrl.indexOf("?") < 0 ? "?" : "&") + "bbox=" + map.getBounds().toBBoxString();
        fetch(url, {headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {features: []}; })
          .then(function (data) { addReports(map, layer, data.features); })
          .catch(function () { /* the list on the page still shows the reports */ });
      };
      map.on("moveend", load);
      load();
    }
    if (pick) {
      el.classList.add("map--pick");
      pickWith(map, el, marker || L.marker([lat, lon], {keyboard: false, interactive: false}).addTo(map), pick);
    }
  }

  var STEPS = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};
  var WORDS = {ArrowUp: "north", ArrowDown: "south", ArrowLeft: "west", ArrowRight: "east"};

  /* Choosing the place: a click (or tap) goes straight to the next step there. By keyboard the map
     is one tab stop: arrow keys move the marker (Shift for bigger steps), + and - zoom, Enter or
     Space go to the next step at the marker. Each move is announced in the page's status region. */
  function pickWith(map, el, marker, pick) {
    var status = document.getElementById("map-status");
    var go = function (latlng) {
      window.location.href = pick + "?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6) + "&used_map=1";
    };
    var say = function (text) { if (status) { status.textContent = text; } };
    var where = function () {
      var p = marker.getLatLng();
      return "latitude " + p.lat.toFixed(5) + ", longitude " + p.lng.toFixed(5);
    };
    map.on("click", function (event) { marker.setLatLng(event.latlng); go(event.latlng); });
    el.setAttribute("tabindex", "0");
    el.setAttribute("aria-describedby", "map-help");
    el.addEventListener("focus", function () {
      say("Marker at " + where() + ". Use the arrow keys to move it, then press Enter to report a problem there.");
    });
    el.addEventListener("keydown", function (event) {
      var step = STEPS[event.key];
      if (step) {
        var size = event.shiftKey ? 60 : 12;
        var point = map.latLngToContainerPoint(marker.getLatLng()).add(L.point(step[0] * size, step[1] * size));
        marker.setLatLng(map.containerPointToLatLng(point));
        var inner = map.getSize().multiplyBy(0.15);
        if (point.x < inner.x || point.y < inner.y || point.x > map.getSize().x - inner.x || point.y > map.getSize().y - inner.y) {
          map.panTo(marker.getLatLng());
        }
        say("Marker moved " + WORDS[event.key] + " to " + where() + ".");
      } else if (event.key === "Enter" || event.key === " ") {
        say("Choosing " + where() + ".");
        go(marker.getLatLng());
      } else if (event.key === "+" || event.key === "=" || event.key === "-") {
        map.setZoomAround(marker.getLatLng(), map.getZoom() + (event.key === "-" ? -1 : 1));
        say("Zoom level " + map.getZoom() + ".");
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
