// On a phone a wide table becomes stacked rows: the stylesheet shows each cell on a line of its
// own, after its column's header, which this script copies into the cell's data-label (both
// header rows when a group header spans several columns). Row headers (th in the body) stay
// the row's title. A table the script labelled gets the class "is-labelled"; without
// JavaScript the stylesheet leaves tables as they are, scrolling inside their box.
(function () {
  "use strict";

  // The cells of a table section as a grid: grid[row][column] is the cell covering that slot,
  // with colspan and rowspan taken into account.
  function grid(rows) {
    var slots = [];
    rows.forEach(function (row, r) {
      slots[r] = slots[r] || [];
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (slots[r][column]) {
          column += 1;
        }
        for (var dr = 0; dr < Math.max(cell.rowSpan, 1); dr += 1) {
          slots[r + dr] = slots[r + dr] || [];
          for (var dc = 0; dc < Math.max(cell.colSpan, 1); dc += 1) {
            slots[r + dr][column + dc] = { cell: cell, first: column };
          }
        }
        column += Math.max(cell.colSpan, 1);
      });
    });
    return slots.slice(0, rows.length);
  }

  function text(cell) {
    return cell.textContent.replace(/\s+/g, " ").trim();
  }

  function headers(table) {
    var labels = [];
    if (!table.tHead) {
      return labels;
    }
    grid(Array.prototype.slice.call(table.tHead.rows)).forEach(function (row) {
      row.forEach(function (slot, column) {
        var said = text(slot.cell);
        labels[column] = labels[column] || [];
        if (said && labels[column].indexOf(said) === -1) {
          labels[column].push(said);
        }
      });
    });
    return labels.map(function (parts) { return parts.join(" · "); });
  }

  function label(table) {
    var labels = headers(table);
    if (!labels.length) {
      return;
    }
    var sections = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) {
      sections.push(table.tFoot);
    }
    sections.forEach(function (section) {
      grid(Array.prototype.slice.call(section.rows)).forEach(function (row) {
        row.forEach(function (slot, column) {
          var cell = slot.cell;
          if (slot.first !== column || cell.tagName !== "TD") {
            return;
          }
          // A cell across the whole row ("No leads.") needs no column's name.
          if (cell.colSpan >= labels.length) {
            cell.classList.add("spans-row");
            return;
          }
          cell.setAttribute("data-label", labels[column] || "");
        });
      });
    });
    table.classList.add("is-labelled");
  }

  function labelAll(root) {
    if (root.matches && root.matches("table.table")) {
      label(root);
    }
    Array.prototype.forEach.call(root.querySelectorAll("table.table"), label);
  }

  document.addEventListener("DOMContentLoaded", function () { labelAll(document); });
  // refresh.js swaps in a new version of part of the page: label its tables too.
  document.addEventListener("handoff:refreshed", function (event) { labelAll(event.target); });
})();
