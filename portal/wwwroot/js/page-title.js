// The title of a page shown in a circuit (Components/PortalTitle.razor): the head outlet is rendered once with the page,
// so a page reached inside the circuit tells the browser its title here.
window.portalPageTitle = (text) => {
  document.title = text;
};
