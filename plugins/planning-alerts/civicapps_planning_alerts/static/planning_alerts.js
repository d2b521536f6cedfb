/* Maps on the planning pages: an enhancement only; every page works without JavaScript.
   A [data-pa-map] element shows the applications listed on the page (data-points, JSON) and the
   searched circle; a [data-pa-picker] element on the alert form lets residents drag the centre
   (filling the latitude/longitude fields) or draw an area (filling the GeoJSON field).
   Words it shows or announces come from the page, translated: the map element's data-text-* attributes
   and the draw button's data-finish-text. */
(function () {
  "use strict";
  if (!window.civicMap) { return; }
  var base = civicMap.create;

  function circleOf(element) {
    var lat = parseFloat(element.dataset.lat), lon = parseFloat(element.dataset.lon);
    var radius = parseFloat(element.dataset.radius);
    return isNaN(lat) || isNaN(lon) ? null : { lat: lat, lon: lon, radius: isNaN(radius) ? 0 : radius };
  }

  function showResults(element) {
    civicMap.listed(base(element), element);
  }

  function radiusField(form) {
    var other = form.querySelector("[name=radius_other]");
    var chosen = form.querySelector("[name=radius]:checked");
    if (chosen && chosen.value === "other") { return parseFloat(other.value) || 0; }
    return chosen ? parseFloat(chosen.value) : 0;
  }

  function picker(element) {
    var form = element.closest("form");
    var lat = form.querySelector("[name=lat]"), lon = form.querySelector("[name=lon]");
    var area = form.querySelector("[name=area]");
    var map = base(element);
    var start = circleOf(element) || { lat: 54.5, lon: -3, radius: 0 };
    var centre = L.latLng(parseFloat(lat.value) || start.lat, parseFloat(lon.value) || start.lon);
    map.setView(centre, lat.value ? 14 : start.radius ? 14 : 6);
    var marker = L.marker(centre, { draggable: true, alt: element.dataset.textMarker, keyboard: true }).addTo(map);
    var circle = L.circle(centre, { radius: radiusField(form) || 800 }).addTo(map);
    function place(latlng) {
      marker.setLatLng(latlng);
      circle.setLatLng(latlng);
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    marker.on("dragend", function () { place(marker.getLatLng()); });
    civicMap.keyboardMarker(map, marker, {
      target: marker.getElement(), status: document.getElementById("pa-centre"), moved: place
    });
    form.addEventListener("change", function () { circle.setRadius(radiusField(form) || 800); });

    var drawing = false, vertices = [], outline = null;
    var drawButton = document.getElementById("pa-draw"), clearButton = document.getElementById("pa-clear");
    function writeArea() {
      if (outline) { map.removeLayer(outline); outline = null; }
      if (vertices.length < 3) { area.value = ""; return; }
      outline = L.polygon(vertices).addTo(map);
      var ring = vertices.map(function (v) { return [+v.lng.toFixed(6), +v.lat.toFixed(6)]; });
      ring.push(ring[0]);
      area.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }
    map.on("click", function (event) {
      if (drawing) { vertices.push(event.latlng); writeArea(); } else { place(event.latlng); }
    });
    drawButton.hidden = clearButton.hidden = false;
    var drawText = drawButton.textContent.trim();
    drawButton.addEventListener("click", function () {
      drawing = !drawing;
      drawButton.textContent = drawing ? drawButton.dataset.finishText : drawText;
      if (drawing) { vertices = []; writeArea(); }
    });
    clearButton.addEventListener("click", function () { drawing = false; vertices = []; writeArea(); });
  }

  /* The search page's map picker: click the map, or focus the marker and use the arrow keys (about
     50 m a press, the core's keyboard marker), to fill the latitude and longitude fields; Enter or
     Space on the marker, or "Use these coordinates", searches there. */
  function searchPicker(element) {
    var form = element.closest("form");
    var lat = form.querySelector("[name=lat]"), lon = form.querySelector("[name=lon]");
    var said = document.getElementById("pa-picked");
    var details = element.closest("details");
    var map = base(element), marker = null;
    var start = circleOf(element);
    if (start) { map.setView([start.lat, start.lon], 15); } else { map.setView([54.5, -3], 5); }
    function fill(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    function choose(latlng, how) {
      if (how) { fill(latlng); }
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, alt: element.dataset.textMarker }).addTo(map);
        marker.on("dragend", function () { choose(marker.getLatLng(), element.dataset.textMoved); });
        civicMap.keyboardMarker(map, marker, {
          target: marker.getElement(), status: said,
          moved: fill,
          confirm: function () { form.requestSubmit(form.querySelector("[name=use][value=coordinates]")); },
          after: " " + element.dataset.textAfter
        });
      } else {
        marker.setLatLng(latlng);
      }
      if (how) {
        said.textContent = how.replace("%(place)s", lat.value + ", " + lon.value) + " " + element.dataset.textAfter;
      }
    }
    map.on("click", function (event) { choose(event.latlng, element.dataset.textChosen); });
    if (lat.value && lon.value) { choose(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), element.dataset.textPlace); }
    else if (start) { choose(L.latLng(start.lat, start.lon), null); }  // shown, not chosen yet
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { map.invalidateSize(); } });
    }
  }

  document.querySelectorAll("[data-pa-map]").forEach(showResults);
  document.querySelectorAll("[data-pa-search-picker]").forEach(searchPicker);
  document.querySelectorAll("[data-pa-picker]").forEach(picker);
})();
