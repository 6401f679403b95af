// The button's and the dialog's look, inside their Shadow DOM. `:host` resets everything a host
// page's styles could pass down (`all: initial !important` wins over the page even against its
// `!important`); sizes are in px, never rem, so the page's root font size changes nothing, and
// in whole pixels (line heights, the close button's width), so edges are crisp.
export const STYLES = `
:host{all:initial!important;display:inline-block!important;max-width:100%!important;vertical-align:middle!important}
.b,.d{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:20px;color:#1d2530;letter-spacing:normal;text-align:left;text-transform:none;-webkit-font-smoothing:auto}
.b{box-sizing:border-box;display:flex;align-items:center;gap:10px;max-width:100%;min-height:44px;margin:0;padding:10px 18px 10px 14px;border:2px solid #505a66;border-radius:22px;background:#fff;font-weight:600;cursor:pointer;box-shadow:0 1px 3px rgb(16 24 40/15%)}
.b[hidden]{display:none}
.b:hover{background:#f6f7f8}
.b.o{border-color:#1c7a43;background:#1c7a43;color:#fff}
.b.o:hover{background:#155f34;border-color:#155f34}
.dot{flex:none;width:12px;height:12px;border-radius:50%;background:#8a939e}
.o .dot{background:#b7f0c9;box-shadow:0 0 0 3px rgb(183 240 201/35%)}
.b:focus-visible,.x:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.d{box-sizing:border-box;width:min(480px,calc(100vw - 32px));height:min(780px,calc(100vh - 32px));max-width:none;max-height:none;padding:0;border:0;border-radius:12px;background:#f6f7f8;box-shadow:0 12px 40px rgb(0 0 0/35%);overflow:hidden}
.d[open]{display:flex;flex-direction:column}
.d::backdrop{background:rgb(16 24 40/55%)}
.bar{display:flex;align-items:flex-start;gap:12px;padding:12px 12px 10px 16px;background:#e3f1f2;border-bottom:1px solid #d5dae0}
.h{margin:0;font-size:17px;line-height:22px;font-weight:700;color:#155259}
.k{margin:2px 0 0;font-size:13px;line-height:18px;color:#505a66}
.x{flex:none;margin:0 0 0 auto;min-width:120px;min-height:36px;padding:6px 14px;border:1px solid #1f6f78;border-radius:8px;background:#fff;color:#155259;font-family:inherit;font-size:15px;font-weight:600;line-height:20px;cursor:pointer}
.x:hover{background:#e3f1f2}
.f{display:block;flex:1;width:100%;min-height:0;border:0;background:#f6f7f8}
`;
