/* Starts the design system's components (menus, error summary focus); pages work without it. */
if (window.DKFDS) { window.DKFDS.init(); }
