import type { Page } from 'playwright-core';

/**
 * Chooses `option` in the antd Select labelled `label`. antd's role=option
 * nodes are a hidden list for screen readers; the user clicks the visible item.
 */
export async function pickOption(page: Page, label: string | RegExp, option: string, options: { search?: boolean } = {}): Promise<void> {
  const select = page.getByLabel(label, { exact: typeof label === 'string' });
  await select.click();
  if (options.search) await select.fill(option);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first().click();
}
