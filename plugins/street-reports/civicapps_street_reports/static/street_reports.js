/* Street reports: the Leaflet map, an enhancement. Every page works without it: the map only fills
   in the same fields (a click while reporting goes to the category step with lat/lon), and shows the
   reports the page already lists or links to. Text from residents is set with textContent, never HTML;
   the script's own words come translated from the map element's data-text-* attributes. */
(function () {
  "use strict";

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

  /* A cluster the server counted: a numbered marker (Leaflet.markercluster's look) that zooms in to
     its reports when chosen; the map then asks again and gets smaller clusters or the pins. */
  function words(el, name, count) {
    return (el.getAttribute("data-text-" + name) || "").replace("%(count)s", String(count));
  }

  function clusterMarker(map, feature) {
    var p = feature.properties, c = feature.geometry.coordinates;
    var size = p.count < 100 ? "small" : p.count < 1000 ? "medium" : "large";
    var label = document.createElement("span");
    label.textContent = String(p.count);
    var icon = L.divIcon({html: "<div>" + label.outerHTML + "</div>", className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40)});
    var el = map.getContainer();
    var marker = L.marker([c[1], c[0]], {icon: icon, title: words(el, "zoom-in", p.count), alt: words(el, "reports", p.count)});
    marker.on("click", function () {
      var b = p.bbox;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: map.getZoom() + 3, padding: [20, 20]});
    });
    return marker;
  }

  function addReports(map, layer, features, clusters) {
    layer.clearLayers();
    if (clusters) { clusters.clearLayers(); }
    features.forEach(function (feature) {
      if (feature.properties.cluster) {
        clusterMarker(map, feature).addTo(clusters);
        return;
      }
      var c = feature.geometry.coordinates;
      var open = ["fixed", "not_responsible", "duplicate", "no_further_action", "closed"].indexOf(feature.properties.status) < 0;
      L.circleMarker([c[1], c[0]], {radius: 8, weight: 2, color: open ? "#d4351c" : "#00703c", fillOpacity: 0.6})
        .bindPopup(popup(feature)).addTo(layer);
    });
  }

  function init() {
    var el = document.getElementById("map");
    if (!el || !window.civicMap) { return; }
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    var zoom = parseInt(el.getAttribute("data-zoom"), 10) || 15;
    var pick = el.getAttribute("data-pick");
    // A map to pick a place on has its own keys (the marker moves, not the map); others pan as usual.
    var map = civicMap.create(el, {keyboard: !pick, scrollWheelZoom: true}).setView([lat, lon], zoom);
    var marker = null;
    if (el.getAttribute("data-marker")) {
      marker = L.marker([lat, lon], {keyboard: false, alt: words(el, "place"), interactive: false}).addTo(map);
    }
    var layer = civicMap.pins(map);
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
      // The server sends a screenful: pins, or clusters counted per zoom; only the latest answer is drawn.
      var clusters = L.layerGroup().addTo(map), asked = 0;
      var load = function () {
        var url = reportsUrl + (reportsUrl.indexOf("?") < 0 ? "?" : "&") + "bbox=" + map.getBounds().toBBoxString() +
          "&zoom=" + Math.round(map.getZoom());
        var mine = ++asked;
        fetch(url, {headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {features: []}; })
          .then(function (data) { if (mine === asked) { addReports(map, layer, data.features, clusters); } })
          .catch(function () { /* the list on the page still shows the reports */ });
      };
      map.on("moveend", load);
      load();
    }
    if (pick) {
      el.classList.add("street-reports-map--pick");
      pickWith(map, el, marker || L.marker([lat, lon], {keyboard: false, interactive: false}).addTo(map), pick);
    }
  }

  /* Choosing the place: a click (or tap) goes straight to the next step there. By keyboard the map
     is one tab stop (the core's keyboard marker): arrow keys move the marker, Enter or Space go to
     the next step at the marker; each move is announced in the page's status region. */
  function pickWith(map, el, marker, pick) {
    var go = function (latlng) {
      window.location.href = pick + "?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6) + "&used_map=1";
    };
    map.on("click", function (event) { marker.setLatLng(event.latlng); go(event.latlng); });
    el.setAttribute("aria-describedby", ((el.getAttribute("aria-describedby") || "") + " map-help").trim());
    civicMap.keyboardMarker(map, marker, {
      status: document.getElementById("map-status"), confirm: go,
      help: words(el, "help")
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
