// terraform/README.md documents the current inputs and outputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, renderReadme } from '../../../scripts/terraform/docs';

describe('terraform/README.md', () => {
  const current = readFileSync(README, 'utf8');

  it('has the inputs and outputs tables of variables.tf and outputs.tf (make tf-docs regenerates them)', async () => {
    const wanted = await renderReadme(current);
    expect(current === wanted, 'terraform/README.md is out of date: run `make tf-docs`').toBe(true);
    for (const name of ['genesys_org_id', 'buffer_max_receive_count', 'consumer_timeout_seconds', 'buffer_queue_url', 'projection_table_name', 'partner_event_source_name']) {
      expect(current).toContain(`| \`${name}\` |`);
    }
  });

  it('is reported out of date when a table row is missing', async () => {
    const stale = current.replace(/^\| `consumer_memory_mb` \|.*\n/m, '');
    expect(stale).not.toBe(current);
    expect(await renderReadme(stale)).not.toBe(stale);
  });
});
