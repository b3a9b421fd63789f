// The comic add form: picking another series proposes that series' next free number, unless the
// author has typed a number of their own (the form names the next free one if it is taken anyway).
document.addEventListener("DOMContentLoaded", () => {
  const number = document.getElementById("id_number");
  const series = document.getElementById("id_series");
  if (!number || !series || !number.dataset.nextNumbers) return;
  const next = JSON.parse(number.dataset.nextNumbers);
  let before = series.value;
  series.addEventListener("change", () => {
    if (number.value === "" || number.value === String(next[before])) number.value = next[series.value] ?? "";
    before = series.value;
  });
});
