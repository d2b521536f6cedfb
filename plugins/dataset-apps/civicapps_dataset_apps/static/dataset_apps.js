/* Maps on the dataset app pages: an enhancement only; every page lists what its map shows.
   A [data-dataset-apps-map] element shows the records in data-points (JSON: lat, lon, title, url) and,
   after a search, the searched circle (data-lat, data-lon, data-radius). */
(function () {
  "use strict";
  if (!window.civicMap) { return; }
  document.querySelectorAll("[data-dataset-apps-map]").forEach(function (element) {
    var map = civicMap.create(element);
    var pins = civicMap.pins(map), bounds = [];
    JSON.parse(element.dataset.points || "[]").forEach(function (p) {
      // Not keyboard stops: the list on the page links to every record.
      var marker = L.marker([p.lat, p.lon], { alt: p.title, title: p.title, keyboard: false }).addTo(pins);
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
  });
})();
