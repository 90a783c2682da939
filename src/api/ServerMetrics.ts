import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { isTerminal } from '../jobs/JobStatus.js';
import type { OutputEntry } from '../jobs/OutputEntry.js';
import type { JobStore } from '../store/types.js';
import { sleep } from '../util/sleep.js';

/**
 * Prometheus metrics of one server. Gauges (jobs by status, queue depth, running agents) are read from
 * the store at scrape time, so they cover workers on other machines too; counters and histograms
 * (output lines, duration, cost) are fed by the embedded runner's output as jobs run here.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly jobsSubmitted: Counter;
  private readonly outputLines: Counter<'stream'>;
  private readonly jobsFinished: Counter<'status'>;
  private readonly duration: Histogram<'status'>;
  private readonly cost: Histogram;
  private readonly costTotal: Counter;
  private readonly finalizing = new Set<string>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly store: JobStore,
    private readonly logger: Logger,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'drover_' });
    // One store query per scrape for the three gauges below.
    let cached: { at: number; counts: ReturnType<JobStore['countByStatus']> } | undefined;
    const counts = () => {
      if (!cached || Date.now() - cached.at > 500) cached = { at: Date.now(), counts: store.countByStatus() };
      return cached.counts;
    };
    new Gauge({
      name: 'drover_jobs',
      help: 'Jobs in the store by status',
      labelNames: ['status'],
      registers,
      async collect() {
        for (const [status, n] of Object.entries(await counts())) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'drover_queue_depth',
      help: 'Jobs waiting for a runner',
      registers,
      async collect() {
        this.set((await counts()).queued);
      },
    });
    new Gauge({
      name: 'drover_running_agents',
      help: 'Jobs running now on any runner of this store',
      registers,
      async collect() {
        this.set((await counts()).running);
      },
    });
    this.jobsSubmitted = new Counter({
      name: 'drover_api_jobs_submitted_total',
      help: 'Jobs created through the HTTP API',
      registers,
    });
    this.outputLines = new Counter({
      name: 'drover_output_lines_total',
      help: 'Output entries written by the embedded runner, by stream',
      labelNames: ['stream'],
      registers,
    });
    this.jobsFinished = new Counter({
      name: 'drover_jobs_finished_total',
      help: 'Jobs the embedded runner finished, by terminal status',
      labelNames: ['status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'drover_job_duration_seconds',
      help: 'Wall-clock duration of jobs the embedded runner finished',
      labelNames: ['status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.cost = new Histogram({
      name: 'drover_job_cost_usd',
      help: 'Agent cost per finished job (jobs whose agent reports a cost)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25],
      registers,
    });
    this.costTotal = new Counter({
      name: 'drover_agent_cost_usd_total',
      help: 'Agent cost of all jobs the embedded runner finished',
      registers,
    });
  }

  /** The embedded Runner's onOutput listener. */
  readonly onOutput = (entry: OutputEntry, jobId: string): void => {
    this.outputLines.inc({ stream: entry.stream });
    // The end marker is written just before the terminal status: record the job once it has one.
    if (entry.type === 'end' && !this.finalizing.has(jobId)) void this.finalize(jobId);
  };

  private async finalize(jobId: string): Promise<void> {
    this.finalizing.add(jobId);
    try {
      for (let i = 0; i < 100 && !this.stopped.signal.aborted; i++) {
        const job = await this.store.get(jobId);
        if (job && isTerminal(job.status)) {
          this.jobsFinished.inc({ status: job.status });
          if (job.durationMs !== null) this.duration.observe({ status: job.status }, job.durationMs / 1000);
          if (job.costUsd !== null) {
            this.cost.observe(job.costUsd);
            this.costTotal.inc(job.costUsd);
          }
          return;
        }
        await sleep(200, this.stopped.signal);
      }
    } catch (err) {
      this.logger.debug({ err, jobId }, 'could not record job metrics');
    } finally {
      this.finalizing.delete(jobId);
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.stopped.abort();
  }
}
