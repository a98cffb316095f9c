"""Publishing through the form, in a real browser, in English, French and
Arabic, against the portal as ``make portal`` serves it (gunicorn, the jobs
worker): the editor chooses the dataset type, fills the multiple selects by
clicking, finds the suggested level filled in, publishes; the dataset and
resource pages then read well on a phone (390 × 844), the organisation's
logo that fails to load shown as CKAN's placeholder, not a broken image."""

from __future__ import annotations

import pytest
from ckan.tests import factories

from ckanext.imwg import levels
from tests.support import chromium, log_in, new_page, portal_sh, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")
PASSWORD = "Form-pass-2026"
EMAIL = "im@nmaa.example.org"
PHONE = {"width": 390, "height": 844}
#: the headings and the type's name, as the schemas give them
HEADING = {
    "en": "New mine-action dataset",
    "fr": "Nouveau jeu de données de lutte antimines",
    "ar": "مجموعة بيانات جديدة للأعمال المتعلقة بالألغام",
}
INHERITED = {
    "en": "Inherited from the dataset: {level}",
    "fr": "Hérité du jeu de données : {level}",
    "ar": "موروث من مجموعة البيانات: {level}",
}


@pytest.fixture
def portal(tmp_path):
    """The portal as ``make portal`` runs it (scripts/portal-config.sh, scripts/portal.sh),
    on the tests' database, with an editor of a mine-action authority."""
    factories.User(name="editor", password=PASSWORD)
    factories.Organization(
        name="nmaa",
        title="National Mine Action Authority",
        org_type="nmaa",
        image_url="missing-logo.png",  # an upload that is not there: the address answers 404
        users=[{"name": "editor", "capacity": "editor"}],
    )
    with portal_sh(tmp_path) as running:
        yield running.url


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def pick(page, field, *values):
    """Choose options of a tag-style multiple select by clicking, as a person does."""
    for value in values:
        label = page.locator(f"#field-{field} option[value='{value}']").inner_text().strip()
        page.click(f"#s2id_field-{field}")
        page.locator(".select2-drop-active .select2-result-label", has_text=label).first.click()
    chosen = page.locator(f"#field-{field}").evaluate("s => Array.from(s.selectedOptions).map(o => o.value)")
    assert sorted(chosen) == sorted(values)


#: in the page: where the description and the sidebar are, and what overflows the viewport
LAYOUT = """() => {
  const top = (sel) => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect().top + scrollY : null; };
  const width = document.documentElement.clientWidth;
  const wide = Array.from(document.querySelectorAll('table, pre, iframe'))
    .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > width + 1)
    .map(e => e.outerHTML.slice(0, 80));
  const over = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right + Math.max(0, parseFloat(getComputedStyle(e).marginRight) || 0) > width && !(e.parentElement && e.parentElement.closest('table, pre, .ellipsis')))
    .map(e => e.tagName + '.' + e.className + ' ' + getComputedStyle(e).display + ' ' + getComputedStyle(e).marginRight + ' ' + Math.round(e.getBoundingClientRect().right));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) {
    const r = document.createRange(); r.selectNodeContents(walker.currentNode);
    const b = r.getBoundingClientRect();
    if (b.width > 0 && b.right > width + 1 && !walker.currentNode.parentElement.closest('table, pre, .ellipsis')) {
      texts.push(walker.currentNode.textContent.trim().slice(0, 40) + ' ' + Math.round(b.right));
    }
  }
  const culprits = [];
  if (document.documentElement.scrollWidth > width) {
    let node = document.body;
    for (let depth = 0; depth < 12 && node; depth++) {
      let found = null;
      for (const child of node.children) {
        const was = child.style.display; child.style.display = 'none';
        const fits = document.documentElement.scrollWidth <= width;
        child.style.display = was;
        if (fits) { found = child; break; }
      }
      if (!found) break;
      culprits.push(found.tagName + '.' + found.className + '#' + found.id);
      node = found;
    }
  }
  return {culprits: culprits, texts: texts, over: over, primary: top('.main .primary'), secondary: top('.main .secondary'), content: top(arguments[0] || '.main .primary'),
          page: document.documentElement.scrollWidth, width: width, wide: wide};
}"""


#: images of the page's body (not the account bar's avatar, from gravatar.com) shown (laid out,
#: visible) that failed to load: broken-image icons
BROKEN_IMAGES = """() => Array.from(document.querySelectorAll('.main img'))
  .filter(i => i.complete && i.naturalWidth === 0 && i.getClientRects().length > 0 && getComputedStyle(i).visibility !== 'hidden')
  .map(i => i.getAttribute('src'))"""


def layout(page, first):
    return page.evaluate(LAYOUT.replace("arguments[0]", repr(first)))


def assert_phone_layout(page, first):
    """On the phone: ``first`` (the description, the data) before the sidebar, nothing wider than the screen."""
    got = layout(page, first)
    assert got["secondary"] is None or got["content"] < got["secondary"], got
    assert got["wide"] == [], got
    assert got["page"] <= got["width"], repr(got)


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_editor_chooses_the_type_fills_the_form_and_publishes(portal, browser, lang, tmp_path):
    """Choose "mine-action", pick sectors by clicking, keep the suggested level, publish; read it on a phone."""
    prefix = "" if lang == "en" else f"/{lang}"
    shot = lambda page, name: screenshot(page, f"form-{lang}-{name}")  # noqa: E731
    page = new_page(browser, {"width": 1280, "height": 1000})
    log_in(page, portal, "editor", PASSWORD)

    # "Add dataset" offers the two types, a line on each
    page.goto(portal + prefix + "/dataset/")
    page.click("#imwg-add-dataset")
    choices = page.locator(".imwg-dataset-types a[data-dataset-type]")
    choices.first.wait_for()
    assert choices.count() == 2
    assert all(len(t.strip().splitlines()) >= 2 for t in choices.all_inner_texts())
    shot(page, "1-choose-type")
    with page.expect_navigation(url="**/mine-action/new"):
        page.click(".imwg-dataset-types a[data-dataset-type='mine-action']")
    assert page.inner_text("h1.page-heading").strip() == HEADING[lang]
    assert page.inner_text(".breadcrumb li.active").strip() == HEADING[lang]  # not CKAN's "Create Mine-action"
    assert page.inner_text(".stages li.first").strip() == HEADING[lang]

    title = f"Hazardous areas in Waingmaw ({lang})"
    page.fill("#field-title", title)
    page.fill("#field-notes", "Confirmed hazardous areas recorded in IMSMA, by township.")
    page.select_option("#field-organizations", label="National Mine Action Authority", force=True)
    page.fill("#field-source", "National Mine Action Authority")
    pick(page, "sectors", "mine_action", "protection")
    pick(page, "themes", "contamination")
    pick(page, "ordnance_types", "ap_mines")
    page.fill("#field-data_owner_authority", "National Mine Action Authority")
    page.fill("#field-reference_period_start", "2024-01-01")
    page.fill("#field-reference_period_end", "2024-12-31")
    page.fill("#field-maintainer_email", EMAIL)
    page.select_option("#field-private", "False")

    # the level follows the assistant's suggestion until the editor chooses another
    level = page.locator("#field-sensitivity")
    assert level.input_value() == "restricted"  # nothing answered: the API's default (deny by default)
    page.check("#field-sensitivity_assessment-precise_locations")
    assert level.input_value() == "restricted"
    page.check("#field-sensitivity_assessment-hazard_locations")
    assert level.input_value() == "confidential"
    assert page.locator("#imwg-suggested-level").get_attribute("data-level") == "confidential"
    level.select_option("strictly_confidential")  # the editor's choice stays
    page.check("#field-sensitivity_assessment-harmful_combined")
    assert level.input_value() == "strictly_confidential"
    level.select_option("confidential")
    shot(page, "2-form")
    with page.expect_navigation():
        page.click("button[name=save]")
    assert page.url.endswith("/resource/new"), page.inner_text(".error-explanation, .flash-messages, main")

    csv = tmp_path / "hazardous_areas.csv"
    csv.write_text(
        "Hazard ID,Township P-code,Township name,Hazard type,Area (m2),Status,Date recorded\n"
        "#loc+id,#adm2+code,#adm2+name,#hazard+type,#area+sqm,#status,#date\n"
        "HA-1,MMR001002,Waingmaw,Confirmed hazardous area,12500,Open,2024-03-01\n"
    )
    page.set_input_files("#field-resource-upload", str(csv))
    page.fill("#field-name", "Hazardous areas (CSV)")
    with page.expect_navigation(url="**/mine-action/hazardous-areas-in-waingmaw-*"):
        page.click("button[name=save][value=go-metadata]")
    dataset_url = page.url
    body = page.inner_text("body")
    assert title in body
    assert levels.label("confidential", lang) in body
    mail = page.locator(f"a[href='mailto:{EMAIL}']")
    assert mail.inner_text().strip() == EMAIL
    assert page.locator(".dataset-details", has=page.locator("#imwg-suggested-level")).count() == 0
    shot(page, "3-dataset")

    # the resource inherits the dataset's level, and says so
    page.click(".resource-item a.heading")
    page.wait_for_url("**/resource/*")
    resource_url = page.url
    row = page.inner_text("tr.imwg-resource-sensitivity td").strip()
    assert row == INHERITED[lang].format(level=levels.label("confidential", lang))
    shot(page, "4-resource")

    # the public page shows neither the assistant's answers nor its suggestion; the address, yes
    visitor = new_page(browser, {"width": 1280, "height": 1000})
    visitor.goto(dataset_url)
    assert title in visitor.inner_text("body")
    shown = visitor.inner_text("main") if visitor.locator("main").count() else visitor.inner_text("body")
    owner_sees = page.context.new_page()
    owner_sees.goto(dataset_url)
    labels = owner_sees.locator("th.dataset-label").all_inner_texts()
    assert len(labels) > len(visitor.locator("th.dataset-label").all_inner_texts())
    for hidden in set(labels) - set(visitor.locator("th.dataset-label").all_inner_texts()):
        assert hidden not in shown
    assert visitor.locator(f"a[href='mailto:{EMAIL}']").count() == 1
    shot(visitor, "5-public")

    # on a phone: the description and the data first, the sidebar after, nothing wider than the screen
    phone = new_page(browser, PHONE, storage_state=page.context.storage_state())
    phone.goto(dataset_url)
    shot(phone, "6-phone-dataset")
    assert_phone_layout(phone, ".notes")
    # the organisation's logo fails to load (404): CKAN's placeholder shows, no broken image
    phone.wait_for_function("() => Array.from(document.querySelectorAll('.main img')).every(i => i.complete)")
    assert phone.evaluate(BROKEN_IMAGES) == []
    logo = phone.locator("#organization-info img")
    assert logo.evaluate("i => i.naturalWidth") > 0 and "placeholder-organization" in logo.get_attribute("src")
    phone.goto(resource_url)
    shot(phone, "7-phone-resource")
    assert_phone_layout(phone, ".module-resource")
