/* Maps on the dataset app pages: an enhancement only; every page lists what its map shows.
   A [data-dataset-apps-map] element shows the records in data-points (JSON: lat, lon, title, url) and,
   after a search, the searched circle (data-lat, data-lon, data-radius). */
(function () {
  "use strict";
  if (!window.civicMap) { return; }
  document.querySelectorAll("[data-dataset-apps-map]").forEach(function (element) {
    civicMap.listed(civicMap.create(element), element);
  });
})();
