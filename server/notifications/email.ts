/** E-mail over SMTP (nodemailer): one transport per server, the outbox id as the Message-ID (a resend is recognisable). */
import nodemailer from 'nodemailer';
import type { OutboxRow, Transport } from './outbox';

export function createEmailTransport(opts: { smtpUrl: string; from: string; timeoutMs: number }): { send: Transport; close(): void } {
  const url = new URL(opts.smtpUrl);
  url.searchParams.set('connectionTimeout', String(opts.timeoutMs));
  url.searchParams.set('greetingTimeout', String(opts.timeoutMs));
  url.searchParams.set('socketTimeout', String(opts.timeoutMs));
  const transporter = nodemailer.createTransport(url.toString());
  return {
    async send(row: OutboxRow) {
      const info = await transporter.sendMail({
        from: opts.from,
        to: row.address,
        subject: row.subject,
        text: row.body,
        messageId: `<outbox-${row.id}@sinergi>`,
        headers: { 'X-Sinergi-Delivery': String(row.id), 'X-Sinergi-Severity': row.severity },
      });
      return String(info.response ?? 'accepted');
    },
    close: () => transporter.close(),
  };
}
