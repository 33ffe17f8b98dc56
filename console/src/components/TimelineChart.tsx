/** Opens and clicks over time, drawn with Chart.js (loaded only on the report screen). The same
 * numbers are in a table below the chart for screen readers and keyboard users. */
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";
import type { TimelineBucket } from "../api/types";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

type Props = {
  buckets: TimelineBucket[];
  label: (iso: string) => string;
  names: { opened: string; clicked: string; delivered: string };
  description: string;
};

export default function TimelineChart({ buckets, label, names, description }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "line",
      data: {
        labels: buckets.map((b) => label(b.start)),
        datasets: [
          { label: names.opened, data: buckets.map((b) => b.opened), borderColor: "#1d4ed8", backgroundColor: "#1d4ed8" },
          {
            label: names.clicked,
            data: buckets.map((b) => b.clicked),
            borderColor: "#b45309",
            backgroundColor: "#b45309",
            borderDash: [6, 4],
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    return () => chart.destroy();
  }, [buckets, label, names]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={description} />
    </div>
  );
}
