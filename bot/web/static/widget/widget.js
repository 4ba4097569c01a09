/*!
 * Aalborg newcomer assistant: website chat widget.
 *
 * Plain JavaScript, no build step. Embed with ONE script tag:
 *   <script src="https://HOST/widget/widget.js" data-server="https://RASA-HOST" defer></script>
 * The widget loads widget.css and the vendored socket.io client from the same origin as this
 * file. See docs/widget.md for every data attribute and the protocol.
 *
 * Security rule for this file: message text is NEVER put into innerHTML. Every node is built
 * with createElement / createTextNode / textContent, so markup in a message shows as text.
 */
(function () {
  'use strict';

  if (window.__aalborgAssistantWidget) {
    return; // embedded twice on one page: keep the first
  }
  window.__aalborgAssistantWidget = true;

  var VERSION = '1.0.0';
  var SOCKET_IO_FILE = '../vendor/socket.io-4.8.1.min.js';
  var MAX_CHARS = 1000;
  var MAX_STORED_MESSAGES = 200;
  var RETENTION_MS = 30 * 24 * 60 * 60 * 1000; // the server keeps conversations 30 days
  var REPLY_WAIT_MS = 120 * 1000; // replies after this long are taken as another tab's
  var TYPING_TIMEOUT_MS = 30 * 1000;
  var DEFAULT_COLOR = '#005f87';
  var TEXT_DARK = '#1b1b1b';
  var PREFIX = 'aalborgAssistant.';
  var KEYS = {
    session: PREFIX + 'session',
    secret: PREFIX + 'secret',
    transcript: PREFIX + 'transcript',
    privacy: PREFIX + 'privacyAccepted',
    language: PREFIX + 'language'
  };
  var SVG_NS = 'http://www.w3.org/2000/svg';

  // The languages the assistant speaks (data/i18n/languages.yml), each named in itself.
  var LANGUAGES = [
    { code: 'en', name: 'English', dir: 'ltr' },
    { code: 'da', name: 'Dansk', dir: 'ltr' },
    { code: 'de', name: 'Deutsch', dir: 'ltr' },
    { code: 'pl', name: 'Polski', dir: 'ltr' },
    { code: 'uk', name: 'Українська', dir: 'ltr' },
    { code: 'ro', name: 'Română', dir: 'ltr' },
    { code: 'es', name: 'Español', dir: 'ltr' },
    { code: 'ar', name: 'العربية', dir: 'rtl' }
  ];

  // Every text the widget itself shows, in every language. {max} and {title} are filled in.
  var LABELS = {
    en: {
      title: 'Aalborg newcomer assistant',
      launcher: 'Ask the assistant',
      close: 'Close chat',
      language: 'Language',
      restart: 'Start over',
      download: 'Download transcript',
      'delete': 'Delete my conversation',
      deleteConfirm: 'Delete this conversation? It will be removed from our server and from this browser. This cannot be undone.',
      deleted: 'Your conversation has been deleted.',
      deleteFailed: 'The conversation could not be deleted right now. Nothing was removed. Please try again later.',
      restarted: 'A new conversation has started.',
      conversation: 'Conversation',
      inputLabel: 'Your message',
      placeholder: 'Type your question…',
      placeholderLocked: 'Please read the notice above first.',
      send: 'Send',
      counterHint: 'At most {max} characters.',
      limitReached: 'You have reached the maximum of {max} characters.',
      typing: 'The assistant is typing…',
      you: 'You',
      assistant: 'Assistant',
      offline: 'Connection lost. Reconnecting… Your typed message is kept.',
      connecting: 'Connecting…',
      unreachable: 'The assistant cannot be reached right now. Trying again…',
      privacyTitle: 'Before you start',
      privacyStored: 'We store the text of this conversation for 30 days.',
      privacyStaff: 'Staff may read conversations to improve the answers.',
      privacyNumbers: 'Please do not type personal numbers such as your CPR number, or other sensitive information.',
      privacyBrowser: 'A copy of the conversation is kept in this browser until you start over or delete it.',
      accept: 'I understand',
      feedbackGroup: 'Was this answer helpful?',
      feedbackUp: 'Helpful',
      feedbackDown: 'Not helpful',
      feedbackThanks: 'Thank you for your feedback.',
      quickReplies: 'Suggested replies',
      errorTooLong: 'Your message is too long. Please keep it to {max} characters.',
      errorGeneric: 'Your message could not be sent. Please try again.',
      newTab: '(opens in a new tab)',
      newMessage: 'new message',
      transcriptHeading: 'Conversation with {title}',
      transcriptDownloaded: 'Downloaded'
    },
    da: {
      title: 'Assistent for nye i Aalborg',
      launcher: 'Spørg assistenten',
      close: 'Luk chatten',
      language: 'Sprog',
      restart: 'Start forfra',
      download: 'Download samtalen',
      'delete': 'Slet min samtale',
      deleteConfirm: 'Vil du slette denne samtale? Den bliver fjernet fra vores server og fra denne browser. Det kan ikke fortrydes.',
      deleted: 'Din samtale er slettet.',
      deleteFailed: 'Samtalen kunne ikke slettes lige nu. Intet er fjernet. Prøv igen senere.',
      restarted: 'En ny samtale er startet.',
      conversation: 'Samtale',
      inputLabel: 'Din besked',
      placeholder: 'Skriv dit spørgsmål …',
      placeholderLocked: 'Læs først oplysningerne ovenfor.',
      send: 'Send',
      counterHint: 'Højst {max} tegn.',
      limitReached: 'Du har nået grænsen på {max} tegn.',
      typing: 'Assistenten skriver …',
      you: 'Dig',
      assistant: 'Assistent',
      offline: 'Forbindelsen blev afbrudt. Forbinder igen … Din besked bliver ikke slettet.',
      connecting: 'Forbinder …',
      unreachable: 'Assistenten kan ikke nås lige nu. Prøver igen …',
      privacyTitle: 'Før du starter',
      privacyStored: 'Vi gemmer teksten i denne samtale i 30 dage.',
      privacyStaff: 'Medarbejdere kan læse samtaler for at forbedre svarene.',
      privacyNumbers: 'Skriv ikke personnumre som dit CPR-nummer eller andre følsomme oplysninger.',
      privacyBrowser: 'En kopi af samtalen gemmes i denne browser, indtil du starter forfra eller sletter den.',
      accept: 'Jeg forstår',
      feedbackGroup: 'Var svaret nyttigt?',
      feedbackUp: 'Nyttigt',
      feedbackDown: 'Ikke nyttigt',
      feedbackThanks: 'Tak for din feedback.',
      quickReplies: 'Forslag til svar',
      errorTooLong: 'Din besked er for lang. Den må højst være på {max} tegn.',
      errorGeneric: 'Din besked kunne ikke sendes. Prøv igen.',
      newTab: '(åbner i en ny fane)',
      newMessage: 'ny besked',
      transcriptHeading: 'Samtale med {title}',
      transcriptDownloaded: 'Downloadet'
    },
    de: {
      title: 'Assistent für Neuankömmlinge in Aalborg',
      launcher: 'Assistenten fragen',
      close: 'Chat schließen',
      language: 'Sprache',
      restart: 'Neu beginnen',
      download: 'Gesprächsverlauf herunterladen',
      'delete': 'Mein Gespräch löschen',
      deleteConfirm: 'Dieses Gespräch löschen? Es wird von unserem Server und aus diesem Browser entfernt. Das kann nicht rückgängig gemacht werden.',
      deleted: 'Ihr Gespräch wurde gelöscht.',
      deleteFailed: 'Das Gespräch konnte gerade nicht gelöscht werden. Es wurde nichts entfernt. Bitte versuchen Sie es später erneut.',
      restarted: 'Ein neues Gespräch hat begonnen.',
      conversation: 'Gespräch',
      inputLabel: 'Ihre Nachricht',
      placeholder: 'Ihre Frage eingeben …',
      placeholderLocked: 'Bitte lesen Sie zuerst den Hinweis oben.',
      send: 'Senden',
      counterHint: 'Höchstens {max} Zeichen.',
      limitReached: 'Sie haben die Höchstzahl von {max} Zeichen erreicht.',
      typing: 'Der Assistent schreibt …',
      you: 'Sie',
      assistant: 'Assistent',
      offline: 'Verbindung unterbrochen. Neuer Verbindungsversuch … Ihre Nachricht bleibt erhalten.',
      connecting: 'Verbindung wird hergestellt …',
      unreachable: 'Der Assistent ist gerade nicht erreichbar. Neuer Versuch …',
      privacyTitle: 'Bevor Sie beginnen',
      privacyStored: 'Wir speichern den Text dieses Gesprächs 30 Tage lang.',
      privacyStaff: 'Mitarbeitende können Gespräche lesen, um die Antworten zu verbessern.',
      privacyNumbers: 'Bitte geben Sie keine persönlichen Nummern wie Ihre CPR-Nummer oder andere sensible Daten ein.',
      privacyBrowser: 'Eine Kopie des Gesprächs bleibt in diesem Browser gespeichert, bis Sie neu beginnen oder es löschen.',
      accept: 'Verstanden',
      feedbackGroup: 'War diese Antwort hilfreich?',
      feedbackUp: 'Hilfreich',
      feedbackDown: 'Nicht hilfreich',
      feedbackThanks: 'Vielen Dank für Ihre Rückmeldung.',
      quickReplies: 'Antwortvorschläge',
      errorTooLong: 'Ihre Nachricht ist zu lang. Bitte höchstens {max} Zeichen.',
      errorGeneric: 'Ihre Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
      newTab: '(öffnet in neuem Tab)',
      newMessage: 'neue Nachricht',
      transcriptHeading: 'Gespräch mit {title}',
      transcriptDownloaded: 'Heruntergeladen'
    },
    pl: {
      title: 'Asystent dla nowo przybyłych do Aalborga',
      launcher: 'Zapytaj asystenta',
      close: 'Zamknij czat',
      language: 'Język',
      restart: 'Zacznij od nowa',
      download: 'Pobierz zapis rozmowy',
      'delete': 'Usuń moją rozmowę',
      deleteConfirm: 'Usunąć tę rozmowę? Zostanie usunięta z naszego serwera i z tej przeglądarki. Tej operacji nie można cofnąć.',
      deleted: 'Twoja rozmowa została usunięta.',
      deleteFailed: 'Nie udało się teraz usunąć rozmowy. Nic nie zostało usunięte. Spróbuj ponownie później.',
      restarted: 'Rozpoczęto nową rozmowę.',
      conversation: 'Rozmowa',
      inputLabel: 'Twoja wiadomość',
      placeholder: 'Wpisz swoje pytanie…',
      placeholderLocked: 'Najpierw przeczytaj informację powyżej.',
      send: 'Wyślij',
      counterHint: 'Maksymalnie {max} znaków.',
      limitReached: 'Osiągnięto limit {max} znaków.',
      typing: 'Asystent pisze…',
      you: 'Ty',
      assistant: 'Asystent',
      offline: 'Utracono połączenie. Ponowne łączenie… Wpisana wiadomość nie zostanie utracona.',
      connecting: 'Łączenie…',
      unreachable: 'Asystent jest teraz niedostępny. Ponawianie próby…',
      privacyTitle: 'Zanim zaczniesz',
      privacyStored: 'Przechowujemy treść tej rozmowy przez 30 dni.',
      privacyStaff: 'Pracownicy mogą czytać rozmowy, aby ulepszać odpowiedzi.',
      privacyNumbers: 'Nie wpisuj numerów osobistych, takich jak numer CPR, ani innych danych wrażliwych.',
      privacyBrowser: 'Kopia rozmowy jest przechowywana w tej przeglądarce, dopóki nie zaczniesz od nowa lub jej nie usuniesz.',
      accept: 'Rozumiem',
      feedbackGroup: 'Czy ta odpowiedź była pomocna?',
      feedbackUp: 'Pomocna',
      feedbackDown: 'Niepomocna',
      feedbackThanks: 'Dziękujemy za opinię.',
      quickReplies: 'Proponowane odpowiedzi',
      errorTooLong: 'Wiadomość jest za długa. Może mieć najwyżej {max} znaków.',
      errorGeneric: 'Nie udało się wysłać wiadomości. Spróbuj ponownie.',
      newTab: '(otwiera się w nowej karcie)',
      newMessage: 'nowa wiadomość',
      transcriptHeading: 'Rozmowa: {title}',
      transcriptDownloaded: 'Pobrano'
    },
    uk: {
      title: 'Асистент для новоприбулих до Ольборга',
      launcher: 'Запитати асистента',
      close: 'Закрити чат',
      language: 'Мова',
      restart: 'Почати знову',
      download: 'Завантажити розмову',
      'delete': 'Видалити мою розмову',
      deleteConfirm: 'Видалити цю розмову? Її буде видалено з нашого сервера та з цього браузера. Цю дію неможливо скасувати.',
      deleted: 'Вашу розмову видалено.',
      deleteFailed: 'Зараз не вдалося видалити розмову. Нічого не видалено. Спробуйте пізніше.',
      restarted: 'Розпочато нову розмову.',
      conversation: 'Розмова',
      inputLabel: 'Ваше повідомлення',
      placeholder: 'Введіть своє запитання…',
      placeholderLocked: 'Спершу прочитайте інформацію вище.',
      send: 'Надіслати',
      counterHint: 'Не більше {max} символів.',
      limitReached: 'Ви досягли межі в {max} символів.',
      typing: 'Асистент пише…',
      you: 'Ви',
      assistant: 'Асистент',
      offline: 'З’єднання втрачено. Повторне підключення… Введене повідомлення збережено.',
      connecting: 'Підключення…',
      unreachable: 'Асистент зараз недоступний. Повторна спроба…',
      privacyTitle: 'Перш ніж почати',
      privacyStored: 'Ми зберігаємо текст цієї розмови протягом 30 днів.',
      privacyStaff: 'Працівники можуть читати розмови, щоб покращувати відповіді.',
      privacyNumbers: 'Не вводьте особисті номери, як-от ваш номер CPR, чи інші чутливі дані.',
      privacyBrowser: 'Копія розмови зберігається в цьому браузері, доки ви не почнете знову або не видалите її.',
      accept: 'Зрозуміло',
      feedbackGroup: 'Чи була ця відповідь корисною?',
      feedbackUp: 'Корисна',
      feedbackDown: 'Некорисна',
      feedbackThanks: 'Дякуємо за відгук.',
      quickReplies: 'Запропоновані відповіді',
      errorTooLong: 'Повідомлення задовге. Максимум {max} символів.',
      errorGeneric: 'Не вдалося надіслати повідомлення. Спробуйте ще раз.',
      newTab: '(відкривається в новій вкладці)',
      newMessage: 'нове повідомлення',
      transcriptHeading: 'Розмова: {title}',
      transcriptDownloaded: 'Завантажено'
    },
    ro: {
      title: 'Asistentul pentru nou-veniții în Aalborg',
      launcher: 'Întreabă asistentul',
      close: 'Închide chatul',
      language: 'Limba',
      restart: 'Începe din nou',
      download: 'Descarcă conversația',
      'delete': 'Șterge conversația mea',
      deleteConfirm: 'Ștergi această conversație? Va fi eliminată de pe serverul nostru și din acest browser. Acțiunea nu poate fi anulată.',
      deleted: 'Conversația ta a fost ștearsă.',
      deleteFailed: 'Conversația nu a putut fi ștearsă acum. Nu s-a șters nimic. Încearcă din nou mai târziu.',
      restarted: 'A început o conversație nouă.',
      conversation: 'Conversație',
      inputLabel: 'Mesajul tău',
      placeholder: 'Scrie întrebarea ta…',
      placeholderLocked: 'Citește mai întâi informarea de mai sus.',
      send: 'Trimite',
      counterHint: 'Cel mult {max} de caractere.',
      limitReached: 'Ai atins limita de {max} de caractere.',
      typing: 'Asistentul scrie…',
      you: 'Tu',
      assistant: 'Asistent',
      offline: 'Conexiunea s-a întrerupt. Se reconectează… Mesajul scris se păstrează.',
      connecting: 'Se conectează…',
      unreachable: 'Asistentul nu poate fi contactat acum. Se încearcă din nou…',
      privacyTitle: 'Înainte de a începe',
      privacyStored: 'Păstrăm textul acestei conversații timp de 30 de zile.',
      privacyStaff: 'Personalul poate citi conversațiile pentru a îmbunătăți răspunsurile.',
      privacyNumbers: 'Nu scrie numere personale, cum ar fi numărul tău CPR, sau alte date sensibile.',
      privacyBrowser: 'O copie a conversației este păstrată în acest browser până când începi din nou sau o ștergi.',
      accept: 'Am înțeles',
      feedbackGroup: 'A fost util acest răspuns?',
      feedbackUp: 'Util',
      feedbackDown: 'Nu a fost util',
      feedbackThanks: 'Îți mulțumim pentru feedback.',
      quickReplies: 'Răspunsuri sugerate',
      errorTooLong: 'Mesajul este prea lung. Poate avea cel mult {max} de caractere.',
      errorGeneric: 'Mesajul nu a putut fi trimis. Încearcă din nou.',
      newTab: '(se deschide într-o filă nouă)',
      newMessage: 'mesaj nou',
      transcriptHeading: 'Conversație cu {title}',
      transcriptDownloaded: 'Descărcat'
    },
    es: {
      title: 'Asistente para recién llegados a Aalborg',
      launcher: 'Pregunta al asistente',
      close: 'Cerrar el chat',
      language: 'Idioma',
      restart: 'Empezar de nuevo',
      download: 'Descargar la conversación',
      'delete': 'Borrar mi conversación',
      deleteConfirm: '¿Borrar esta conversación? Se eliminará de nuestro servidor y de este navegador. No se puede deshacer.',
      deleted: 'Tu conversación se ha borrado.',
      deleteFailed: 'No se ha podido borrar la conversación en este momento. No se ha eliminado nada. Inténtalo de nuevo más tarde.',
      restarted: 'Ha empezado una nueva conversación.',
      conversation: 'Conversación',
      inputLabel: 'Tu mensaje',
      placeholder: 'Escribe tu pregunta…',
      placeholderLocked: 'Lee primero el aviso de arriba.',
      send: 'Enviar',
      counterHint: 'Como máximo {max} caracteres.',
      limitReached: 'Has llegado al máximo de {max} caracteres.',
      typing: 'El asistente está escribiendo…',
      you: 'Tú',
      assistant: 'Asistente',
      offline: 'Se ha perdido la conexión. Reconectando… Tu mensaje escrito se conserva.',
      connecting: 'Conectando…',
      unreachable: 'Ahora mismo no se puede contactar con el asistente. Reintentando…',
      privacyTitle: 'Antes de empezar',
      privacyStored: 'Guardamos el texto de esta conversación durante 30 días.',
      privacyStaff: 'El personal puede leer las conversaciones para mejorar las respuestas.',
      privacyNumbers: 'No escribas números personales, como tu número CPR, ni otros datos sensibles.',
      privacyBrowser: 'Se guarda una copia de la conversación en este navegador hasta que empieces de nuevo o la borres.',
      accept: 'Entendido',
      feedbackGroup: '¿Te ha sido útil esta respuesta?',
      feedbackUp: 'Útil',
      feedbackDown: 'No útil',
      feedbackThanks: 'Gracias por tu opinión.',
      quickReplies: 'Respuestas sugeridas',
      errorTooLong: 'Tu mensaje es demasiado largo. Puede tener como máximo {max} caracteres.',
      errorGeneric: 'No se ha podido enviar tu mensaje. Inténtalo de nuevo.',
      newTab: '(se abre en una pestaña nueva)',
      newMessage: 'mensaje nuevo',
      transcriptHeading: 'Conversación con {title}',
      transcriptDownloaded: 'Descargado'
    },
    ar: {
      title: 'المساعد الرقمي للقادمين الجدد إلى ألبورغ',
      launcher: 'اسأل المساعد',
      close: 'إغلاق المحادثة',
      language: 'اللغة',
      restart: 'البدء من جديد',
      download: 'تنزيل نص المحادثة',
      'delete': 'حذف محادثتي',
      deleteConfirm: 'هل تريد حذف هذه المحادثة؟ ستُحذف من خادمنا ومن هذا المتصفح. لا يمكن التراجع عن ذلك.',
      deleted: 'تم حذف محادثتك.',
      deleteFailed: 'تعذّر حذف المحادثة الآن. لم يُحذف أي شيء. يُرجى المحاولة لاحقًا.',
      restarted: 'بدأت محادثة جديدة.',
      conversation: 'المحادثة',
      inputLabel: 'رسالتك',
      placeholder: 'اكتب سؤالك…',
      placeholderLocked: 'يُرجى قراءة الإشعار أعلاه أولًا.',
      send: 'إرسال',
      counterHint: 'الحد الأقصى {max} حرف.',
      limitReached: 'لقد بلغت الحد الأقصى وهو {max} حرف.',
      typing: 'المساعد يكتب…',
      you: 'أنت',
      assistant: 'المساعد',
      offline: 'انقطع الاتصال. جارٍ إعادة الاتصال… رسالتك المكتوبة محفوظة.',
      connecting: 'جارٍ الاتصال…',
      unreachable: 'لا يمكن الوصول إلى المساعد الآن. جارٍ إعادة المحاولة…',
      privacyTitle: 'قبل أن تبدأ',
      privacyStored: 'نحتفظ بنص هذه المحادثة لمدة 30 يومًا.',
      privacyStaff: 'قد يقرأ الموظفون المحادثات لتحسين الإجابات.',
      privacyNumbers: 'يُرجى عدم كتابة أرقام شخصية مثل رقم CPR الخاص بك أو أي معلومات حساسة أخرى.',
      privacyBrowser: 'تُحفظ نسخة من المحادثة في هذا المتصفح إلى أن تبدأ من جديد أو تحذفها.',
      accept: 'فهمت',
      feedbackGroup: 'هل كانت هذه الإجابة مفيدة؟',
      feedbackUp: 'مفيدة',
      feedbackDown: 'غير مفيدة',
      feedbackThanks: 'شكرًا على ملاحظاتك.',
      quickReplies: 'ردود مقترحة',
      errorTooLong: 'رسالتك طويلة جدًا. الحد الأقصى {max} حرف.',
      errorGeneric: 'تعذّر إرسال رسالتك. يُرجى المحاولة مرة أخرى.',
      newTab: '(يُفتح في علامة تبويب جديدة)',
      newMessage: 'رسالة جديدة',
      transcriptHeading: 'محادثة مع {title}',
      transcriptDownloaded: 'تاريخ التنزيل'
    }
  };

  // ---------------------------------------------------------------------------------------
  // Configuration from the script tag
  // ---------------------------------------------------------------------------------------

  function findOwnScript() {
    if (document.currentScript) {
      return document.currentScript;
    }
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\/widget\.js(\?|#|$)/.test(scripts[i].src || '')) {
        return scripts[i];
      }
    }
    return null;
  }

  var script = findOwnScript();
  var scriptUrl = new URL((script && script.src) || 'widget.js', document.baseURI);
  var dataset = (script && script.dataset) || {};
  var ASSET_ORIGIN = scriptUrl.origin; // the web app: /api/... lives here too

  function isSupported(code, allowed) {
    return allowed.indexOf(code) !== -1;
  }

  function readConfig() {
    var all = LANGUAGES.map(function (l) { return l.code; });
    var allowed = all;
    if (dataset.languages) {
      var wanted = dataset.languages.split(',').map(function (c) { return c.trim().toLowerCase(); });
      var kept = all.filter(function (c) { return wanted.indexOf(c) !== -1; });
      if (kept.length) {
        allowed = kept;
      }
    }
    var server = (dataset.server || '').trim();
    try {
      server = /^https?:\/\//i.test(server) ? new URL(server).href : '';
    } catch (e) {
      server = '';
    }
    if (!server) {
      server = scriptUrl.protocol + '//' + scriptUrl.hostname + ':5005';
    }
    var color = (dataset.primaryColor || '').trim();
    if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color)) {
      color = DEFAULT_COLOR;
    }
    var initPayload = dataset.initPayload;
    if (initPayload === undefined) {
      initPayload = '/greet';
    }
    return {
      server: server.replace(/\/+$/, ''),
      languages: allowed,
      dataLanguage: (dataset.language || '').trim().toLowerCase(),
      title: (dataset.title || '').trim(),
      color: color,
      position: (dataset.position || '').trim().toLowerCase() === 'left' ? 'left' : 'right',
      initPayload: initPayload.trim()
    };
  }

  var config = readConfig();

  // ---------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------

  var memoryStore = {};
  var storage = {
    get: function (key) {
      try {
        return window.localStorage.getItem(key);
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : null;
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(key, value);
        return true;
      } catch (e) {
        memoryStore[key] = value;
        return false;
      }
    },
    remove: function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        // storage unavailable: the in-memory copy is all there is
      }
      delete memoryStore[key];
    }
  };

  function randomHex(bytes) {
    var buffer = new Uint8Array(bytes);
    window.crypto.getRandomValues(buffer);
    var out = '';
    for (var i = 0; i < buffer.length; i++) {
      out += (buffer[i] < 16 ? '0' : '') + buffer[i].toString(16);
    }
    return out;
  }

  function newId() {
    return 'm' + Date.now().toString(36) + randomHex(4);
  }

  function format(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values || {}, name) ? String(values[name]) : whole;
    });
  }

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) {
          return;
        }
        if (name === 'text') {
          el.textContent = value;
        } else if (name === 'className') {
          el.className = value;
        } else {
          el.setAttribute(name, value === true ? '' : String(value));
        }
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) {
        return;
      }
      el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return el;
  }

  // Line icons drawn for this widget (stroke = currentColor, so they follow the text colour).
  var ICONS = {
    chat: 'M4 5h16v11H10l-5 4v-4H4z',
    close: 'M6 6l12 12M18 6L6 18',
    restart: 'M4 12a8 8 0 1 0 2.4-5.7M4 4v5h5',
    download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
    trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6',
    globe: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM3 12h18M12 3c3.5 3.5 3.5 14.5 0 18M12 3c-3.5 3.5-3.5 14.5 0 18',
    thumb: 'M7 11v9H4v-9zM7 11l4-7c1.6 0 2.6 1.2 2.2 3L12.5 10H18c1.2 0 2.1 1.1 1.8 2.3l-1.6 6.2c-.3 1-1.1 1.5-2 1.5H7'
  };

  function icon(name, extraClass) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'aa-icon' + (extraClass ? ' ' + extraClass : ''));
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', ICONS[name]);
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', 'currentColor');
    path.setAttribute('stroke-width', '2');
    path.setAttribute('stroke-linecap', 'round');
    path.setAttribute('stroke-linejoin', 'round');
    svg.appendChild(path);
    return svg;
  }

  // WCAG relative luminance and contrast ratio, to keep text on the primary colour readable.
  function luminance(hex) {
    var value = hex.slice(1);
    if (value.length === 3) {
      value = value.replace(/./g, '$&$&');
    }
    var channels = [0, 2, 4].map(function (i) {
      var c = parseInt(value.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  // primary: backgrounds; onPrimary: text on them (>= 4.5:1); accent: borders and outlines on
  // the white panel, which need >= 3:1 (WCAG 1.4.11), so a light primary gets a dark accent.
  function themeColors(color) {
    if (contrast(color, '#ffffff') >= 4.5) {
      return { primary: color, onPrimary: '#ffffff', accent: color };
    }
    if (contrast(color, TEXT_DARK) >= 4.5) {
      return { primary: color, onPrimary: TEXT_DARK, accent: contrast(color, '#ffffff') >= 3 ? color : TEXT_DARK };
    }
    return { primary: DEFAULT_COLOR, onPrimary: '#ffffff', accent: DEFAULT_COLOR };
  }

  // ---------------------------------------------------------------------------------------
  // State: language, session, transcript (all kept in localStorage)
  // ---------------------------------------------------------------------------------------

  function languageInfo(code) {
    for (var i = 0; i < LANGUAGES.length; i++) {
      if (LANGUAGES[i].code === code) {
        return LANGUAGES[i];
      }
    }
    return LANGUAGES[0];
  }

  function initialLanguage() {
    var stored = storage.get(KEYS.language);
    if (stored && isSupported(stored, config.languages)) {
      return stored; // the visitor chose it earlier in this widget
    }
    if (isSupported(config.dataLanguage, config.languages)) {
      return config.dataLanguage;
    }
    var preferred = (navigator.languages && navigator.languages.length) ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < preferred.length; i++) {
      var primary = String(preferred[i] || '').toLowerCase().split('-')[0];
      if (isSupported(primary, config.languages)) {
        return primary;
      }
    }
    return isSupported('en', config.languages) ? 'en' : config.languages[0];
  }

  var VALID_ID = /^[A-Za-z0-9_-]{8,128}$/;

  function storedOrNew(key, bytes) {
    var value = storage.get(key);
    if (!value || !VALID_ID.test(value)) {
      value = randomHex(bytes);
      storage.set(key, value);
    }
    return value;
  }

  function emptyTranscript(session) {
    return { v: 1, session: session, turn: 0, turns: {}, ratings: {}, messages: [] };
  }

  function loadTranscript(session) {
    var raw = storage.get(KEYS.transcript);
    if (!raw) {
      return emptyTranscript(session);
    }
    try {
      var data = JSON.parse(raw);
      if (!data || data.session !== session || !Array.isArray(data.messages)) {
        return emptyTranscript(session);
      }
      data.turns = data.turns || {};
      data.ratings = data.ratings || {};
      data.turn = data.turn || 0;
      data.messages = data.messages.filter(function (m) {
        return m && typeof m.text === 'string' && (m.role === 'user' || m.role === 'bot');
      });
      return data;
    } catch (e) {
      return emptyTranscript(session);
    }
  }

  var lang = initialLanguage();
  var accepted = !!storage.get(KEYS.privacy);
  var session = storedOrNew(KEYS.session, 16);
  var secret = storedOrNew(KEYS.secret, 32);
  var transcript = loadTranscript(session);

  (function expireOldTranscript() {
    var last = transcript.messages.length ? transcript.messages[transcript.messages.length - 1].ts : 0;
    if (last && Date.now() - Date.parse(last) > RETENTION_MS) {
      // The server forgot this conversation; start a fresh one here as well.
      session = randomHex(16);
      secret = randomHex(32);
      storage.set(KEYS.session, session);
      storage.set(KEYS.secret, secret);
      transcript = emptyTranscript(session);
      storage.remove(KEYS.transcript);
    }
  })();

  function saveTranscript() {
    if (transcript.messages.length > MAX_STORED_MESSAGES) {
      transcript.messages = transcript.messages.slice(-MAX_STORED_MESSAGES);
    }
    var ok = storage.set(KEYS.transcript, JSON.stringify(transcript));
    if (!ok && transcript.messages.length > 20) {
      transcript.messages = transcript.messages.slice(-Math.floor(transcript.messages.length / 2));
      storage.set(KEYS.transcript, JSON.stringify(transcript));
    }
  }

  function L(key, values) {
    var table = LABELS[lang] || LABELS.en;
    var text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : LABELS.en[key];
    return format(text, values);
  }

  function formatNumber(n) {
    try {
      return new Intl.NumberFormat(lang).format(n);
    } catch (e) {
      return String(n);
    }
  }

  function title() {
    return config.title || L('title');
  }

  // ---------------------------------------------------------------------------------------
  // Markdown-lite rendering: **bold**, line breaks, "- " lists, autolinked http(s) URLs.
  // Builds DOM nodes only; the text never goes through an HTML parser.
  // ---------------------------------------------------------------------------------------

  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

  function trimUrl(url) {
    var trimmed = url;
    for (;;) {
      var last = trimmed.charAt(trimmed.length - 1);
      if ('.,;:!?\'"*]}'.indexOf(last) !== -1) {
        trimmed = trimmed.slice(0, -1);
      } else if (last === ')' && (trimmed.split('(').length < trimmed.split(')').length)) {
        trimmed = trimmed.slice(0, -1);
      } else {
        return trimmed;
      }
    }
  }

  function safeHref(url) {
    try {
      var parsed = new URL(url);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function appendLinked(parent, text) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var url = trimUrl(match[0]);
      var href = safeHref(url);
      if (!href) {
        continue;
      }
      if (match.index > last) {
        parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      }
      var link = h('a', { href: href, target: '_blank', rel: 'noopener noreferrer', className: 'aa-link' });
      link.appendChild(document.createTextNode(url));
      link.appendChild(h('span', { className: 'aa-sr-only', text: ' ' + L('newTab') }));
      parent.appendChild(link);
      last = match.index + url.length;
      URL_PATTERN.lastIndex = last;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  // A link with a readable title, [Life in Denmark: tax card](https://...): the title is shown, the
  // address is the link's target and its tooltip (bot/rich_text.py writes them).
  var TITLED_LINK = /\[([^\[\]\n]+)\]\((https?:\/\/[^\s()]+)\)/g;

  function appendInline(parent, line) {
    var last = 0;
    var match;
    TITLED_LINK.lastIndex = 0;
    while ((match = TITLED_LINK.exec(line)) !== null) {
      var href = safeHref(match[2]);
      if (!href) {
        continue;
      }
      if (match.index > last) {
        appendBold(parent, line.slice(last, match.index));
      }
      var link = h('a', { href: href, title: href, target: '_blank', rel: 'noopener noreferrer', className: 'aa-link' });
      link.appendChild(document.createTextNode(match[1]));
      link.appendChild(h('span', { className: 'aa-sr-only', text: ' ' + L('newTab') }));
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    if (last < line.length) {
      appendBold(parent, line.slice(last));
    }
  }

  function appendBold(parent, line) {
    var pattern = /\*\*(?=\S)(.+?)\*\*/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(line)) !== null) {
      if (match.index > last) {
        appendLinked(parent, line.slice(last, match.index));
      }
      var strong = h('strong');
      appendLinked(strong, match[1]);
      parent.appendChild(strong);
      last = match.index + match[0].length;
    }
    if (last < line.length) {
      appendLinked(parent, line.slice(last));
    }
  }

  function renderMarkdown(text) {
    var fragment = document.createDocumentFragment();
    var lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    var list = null;
    var paragraph = null;
    lines.forEach(function (line) {
      var item = /^\s*[-•]\s+(.*)$/.exec(line);
      if (item) {
        paragraph = null;
        if (!list) {
          list = h('ul', { className: 'aa-list' });
          fragment.appendChild(list);
        }
        var li = h('li');
        appendInline(li, item[1]);
        list.appendChild(li);
        return;
      }
      list = null;
      if (!line.trim()) {
        paragraph = null;
        return;
      }
      if (paragraph) {
        paragraph.appendChild(h('br'));
      } else {
        paragraph = h('p', { className: 'aa-p' });
        fragment.appendChild(paragraph);
      }
      appendInline(paragraph, line);
    });
    return fragment;
  }

  // Without markup: a titled link as its title (the screen-reader announcement), or as
  // "title (address)" when the address must stay readable (the saved transcript).
  function plainText(text, withAddresses) {
    return String(text).replace(TITLED_LINK, withAddresses ? '$1 ($2)' : '$1').replace(/\*\*(?=\S)(.+?)\*\*/g, '$1');
  }

  // ---------------------------------------------------------------------------------------
  // The DOM
  // ---------------------------------------------------------------------------------------

  var labelled = []; // [element, attribute or 'text', label key]

  function bind(el, attribute, key) {
    labelled.push([el, attribute, key]);
    return el;
  }

  function iconButton(id, iconName, key, extraClass) {
    var button = h('button', { type: 'button', id: id, className: 'aa-icon-button' + (extraClass ? ' ' + extraClass : '') }, [icon(iconName)]);
    bind(button, 'aria-label', key);
    bind(button, 'title', key);
    return button;
  }

  var colors = themeColors(config.color);
  var root = h('div', { id: 'aa-root', className: 'aa-root aa-' + config.position, hidden: true });
  root.style.setProperty('--aa-primary', colors.primary);
  root.style.setProperty('--aa-on-primary', colors.onPrimary);
  root.style.setProperty('--aa-accent', colors.accent);

  var launcherText = bind(h('span', { className: 'aa-launcher-text' }), 'text', 'launcher');
  var unreadText = h('span', { className: 'aa-sr-only aa-unread-text' });
  var launcher = h('button', {
    type: 'button', id: 'aa-launcher', className: 'aa-launcher',
    'aria-expanded': 'false', 'aria-controls': 'aa-panel'
  }, [icon('chat'), launcherText, h('span', { className: 'aa-unread-dot', 'aria-hidden': 'true' }), unreadText]);

  var titleEl = h('h2', { id: 'aa-title', className: 'aa-title' });
  var closeButton = iconButton('aa-close', 'close', 'close');
  var languageLabelText = bind(h('span', { className: 'aa-sr-only' }), 'text', 'language');
  var languageLabel = h('label', { 'for': 'aa-language', className: 'aa-language-label' }, [icon('globe'), languageLabelText]);
  var languageSelect = h('select', { id: 'aa-language', className: 'aa-select' });
  config.languages.forEach(function (code) {
    var info = languageInfo(code);
    languageSelect.appendChild(h('option', { value: code, lang: code, dir: info.dir, text: info.name }));
  });
  var restartButton = iconButton('aa-restart', 'restart', 'restart');
  var downloadButton = iconButton('aa-download', 'download', 'download');
  var deleteButton = iconButton('aa-delete', 'trash', 'delete');

  var header = h('div', { className: 'aa-header' }, [
    h('div', { className: 'aa-header-row' }, [titleEl, closeButton]),
    h('div', { className: 'aa-toolbar' }, [
      h('div', { className: 'aa-language' }, [languageLabel, languageSelect]),
      h('div', { className: 'aa-actions' }, [restartButton, downloadButton, deleteButton])
    ])
  ]);

  var banner = h('div', { id: 'aa-status', className: 'aa-banner', role: 'status', hidden: true });

  var acceptButton = bind(h('button', { type: 'button', id: 'aa-accept', className: 'aa-accept' }), 'text', 'accept');
  var privacy = h('div', { id: 'aa-privacy', className: 'aa-privacy', role: 'note', 'aria-labelledby': 'aa-privacy-title' }, [
    bind(h('h3', { id: 'aa-privacy-title', className: 'aa-privacy-title' }), 'text', 'privacyTitle'),
    h('ul', { className: 'aa-privacy-list' }, [
      bind(h('li'), 'text', 'privacyStored'),
      bind(h('li'), 'text', 'privacyStaff'),
      bind(h('li'), 'text', 'privacyNumbers'),
      bind(h('li'), 'text', 'privacyBrowser')
    ]),
    acceptButton
  ]);

  var messages = h('div', { id: 'aa-messages', className: 'aa-messages' });
  var typing = h('div', { id: 'aa-typing', className: 'aa-typing', hidden: true }, [
    bind(h('span', { className: 'aa-sr-only' }), 'text', 'typing'),
    h('span', { className: 'aa-dot', 'aria-hidden': 'true' }),
    h('span', { className: 'aa-dot', 'aria-hidden': 'true' }),
    h('span', { className: 'aa-dot', 'aria-hidden': 'true' })
  ]);
  var body = h('div', { className: 'aa-body', tabindex: '0', role: 'region' }, [privacy, messages, typing]);
  bind(body, 'aria-label', 'conversation');

  var inputLabel = bind(h('label', { 'for': 'aa-input', className: 'aa-sr-only' }), 'text', 'inputLabel');
  var input = h('textarea', {
    id: 'aa-input', className: 'aa-input', rows: '1', maxlength: String(MAX_CHARS),
    'aria-describedby': 'aa-counter aa-counter-hint', autocomplete: 'off'
  });
  // The visually hidden <label> is the label; the same words as aria-label as well, because axe
  // (issue #13) reported the box as unlabelled once the privacy notice was accepted and the label
  // sat clipped inside the form.
  bind(input, 'aria-label', 'inputLabel');
  var counter = h('span', { id: 'aa-counter', className: 'aa-counter', 'aria-live': 'off' });
  var counterHint = bind(h('span', { id: 'aa-counter-hint', className: 'aa-sr-only' }), 'text', 'counterHint');
  var sendButton = bind(h('button', { type: 'submit', id: 'aa-send', className: 'aa-send' }), 'text', 'send');
  var form = h('form', { className: 'aa-form', novalidate: true }, [
    inputLabel,
    h('div', { className: 'aa-input-row' }, [input, sendButton]),
    h('div', { className: 'aa-form-meta' }, [counter, counterHint])
  ]);

  var panel = h('div', {
    id: 'aa-panel', className: 'aa-panel', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': 'aa-title', hidden: true
  }, [header, banner, body, form]);

  var live = h('div', { id: 'aa-live', className: 'aa-sr-only', 'aria-live': 'polite', 'aria-relevant': 'additions' });

  root.appendChild(launcher);
  root.appendChild(panel);
  root.appendChild(live);

  // ---------------------------------------------------------------------------------------
  // Language
  // ---------------------------------------------------------------------------------------

  function applyLabels() {
    var info = languageInfo(lang);
    root.setAttribute('lang', lang);
    root.setAttribute('dir', info.dir);
    labelled.forEach(function (entry) {
      var text = L(entry[2], { max: formatNumber(MAX_CHARS) });
      if (entry[1] === 'text') {
        entry[0].textContent = text;
      } else {
        entry[0].setAttribute(entry[1], text);
      }
    });
    titleEl.textContent = title();
    languageSelect.value = lang;
    input.setAttribute('placeholder', accepted ? L('placeholder') : L('placeholderLocked'));
    unreadText.textContent = root.classList.contains('aa-has-unread') ? ' (' + L('newMessage') + ')' : '';
    updateCounter();
    updateBanner();
    renderAll();
  }

  function setLanguage(code, fromUser) {
    if (!isSupported(code, config.languages) || code === lang) {
      return;
    }
    lang = code;
    if (fromUser) {
      storage.set(KEYS.language, code);
    }
    applyLabels();
    if (fromUser && accepted && transcript.messages.length && isReady()) {
      // Ask the assistant to confirm in the new language (a hidden, system-initiated turn).
      emitUserMessage('/switch_language' + JSON.stringify({ language: code }), null);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Messages
  // ---------------------------------------------------------------------------------------

  var elements = {}; // message id -> element

  function timeLabel(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return '';
    }
    var today = new Date();
    var options = date.toDateString() === today.toDateString()
      ? { hour: '2-digit', minute: '2-digit' }
      : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
    try {
      return new Intl.DateTimeFormat(lang, options).format(date);
    } catch (e) {
      return date.toLocaleTimeString();
    }
  }

  function messageElement(message) {
    var isBot = message.role === 'bot';
    // A staff member's message during a live handoff: labelled with their name, shown as typed.
    var person = isBot && typeof message.person === 'string' ? message.person : null;
    var bubble = h('div', { className: 'aa-bubble', dir: 'auto' });
    if (isBot && !person) {
      bubble.appendChild(renderMarkdown(message.text));
    } else {
      bubble.textContent = message.text;
    }
    var meta = h('div', { className: 'aa-meta' }, [
      h('time', { datetime: message.ts, text: timeLabel(message.ts) })
    ]);
    var children = [
      h('span', { className: 'aa-sr-only', text: (person || (isBot ? L('assistant') : L('you'))) + ': ' })
    ];
    if (person) {
      children.push(h('div', { className: 'aa-person-label', 'aria-hidden': 'true', dir: 'auto', text: person }));
    }
    children.push(bubble, meta);
    var el = h('div', {
      className: 'aa-msg ' + (isBot ? 'aa-bot' : 'aa-user') + (person ? ' aa-person' : ''),
      'data-id': message.id,
      'data-turn': String(message.turn)
    }, children);
    return el;
  }

  function feedbackGroup(turn) {
    var rating = transcript.ratings[turn] || null;
    var group = h('div', { className: 'aa-feedback', role: 'group', 'aria-label': L('feedbackGroup') });
    [['up', 'feedbackUp', ''], ['down', 'feedbackDown', 'aa-flip']].forEach(function (spec) {
      var button = h('button', {
        type: 'button',
        className: 'aa-feedback-button aa-feedback-' + spec[0],
        'aria-pressed': rating === spec[0] ? 'true' : 'false',
        'aria-label': L(spec[1]),
        title: L(spec[1]),
        'data-rating': spec[0]
      }, [icon('thumb', spec[2])]);
      button.addEventListener('click', function () {
        rate(turn, spec[0], group);
      });
      group.appendChild(button);
    });
    return group;
  }

  function quickList(message) {
    var list = h('div', { className: 'aa-quick-list', role: 'group', 'aria-label': L('quickReplies') });
    message.quick.forEach(function (reply) {
      var button = h('button', { type: 'button', className: 'aa-quick', dir: 'auto', text: reply.title });
      button.addEventListener('click', function () {
        if (!accepted || !isReady()) {
          return;
        }
        if (emitUserMessage(reply.payload, reply.title)) {
          input.focus();
        }
      });
      list.appendChild(button);
    });
    return list;
  }

  // Feedback buttons sit under the last bot message of each turn the visitor started; quick
  // replies are shown only while no user message follows them.
  function decorate() {
    var lastBotOfTurn = {};
    var lastUserIndex = -1;
    transcript.messages.forEach(function (m, index) {
      if (m.role === 'bot' && !m.person && !m.handoff) {
        lastBotOfTurn[m.turn] = m.id; // handoff messages are not the assistant's answers to rate
      } else {
        lastUserIndex = index;
      }
    });
    transcript.messages.forEach(function (m, index) {
      var el = elements[m.id];
      if (!el || m.role !== 'bot') {
        return;
      }
      var meta = el.querySelector('.aa-meta');
      var existing = el.querySelector('.aa-feedback');
      var wantsFeedback = lastBotOfTurn[m.turn] === m.id && transcript.turns[m.turn] === 'user';
      if (wantsFeedback && !existing) {
        meta.appendChild(feedbackGroup(m.turn));
      } else if (!wantsFeedback && existing) {
        existing.parentNode.removeChild(existing);
      }
      var quick = el.querySelector('.aa-quick-list');
      var wantsQuick = m.quick && m.quick.length && index > lastUserIndex;
      if (wantsQuick && !quick) {
        el.appendChild(quickList(m));
      } else if (!wantsQuick && quick) {
        quick.parentNode.removeChild(quick);
      }
    });
  }

  function scrollToEnd() {
    body.scrollTop = body.scrollHeight;
  }

  function renderAll() {
    elements = {};
    while (messages.firstChild) {
      messages.removeChild(messages.firstChild);
    }
    transcript.messages.forEach(function (m) {
      var el = messageElement(m);
      elements[m.id] = el;
      messages.appendChild(el);
    });
    decorate();
    scrollToEnd();
  }

  function addMessage(message) {
    transcript.messages.push(message);
    saveTranscript();
    var el = messageElement(message);
    elements[message.id] = el;
    messages.appendChild(el);
    decorate();
    scrollToEnd();
  }

  function announce(text) {
    var item = h('p', { text: text });
    live.appendChild(item);
    while (live.childNodes.length > 5) {
      live.removeChild(live.firstChild);
    }
  }

  function showNotice(text, kind) {
    // A message from the widget itself (errors, confirmations): shown, announced, not stored.
    var el = h('div', { className: 'aa-msg aa-system' + (kind === 'error' ? ' aa-error' : ''), dir: 'auto' }, [
      h('div', { className: 'aa-bubble', text: text })
    ]);
    messages.appendChild(el);
    scrollToEnd();
    announce(text);
  }

  var typingTimer = null;

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) {
      typingTimer = setTimeout(function () { setTyping(false); }, TYPING_TIMEOUT_MS);
      scrollToEnd();
    }
  }

  function setUnread(on) {
    root.classList.toggle('aa-has-unread', on);
    unreadText.textContent = on ? ' (' + L('newMessage') + ')' : '';
  }

  // ---------------------------------------------------------------------------------------
  // Connection (socket.io, loaded on first open)
  // ---------------------------------------------------------------------------------------

  var socket = null;
  var ioPromise = null;
  var connected = false;
  var confirmed = false;
  var everConnected = false;
  var connectError = false;
  var awaitingUntil = 0;
  var greetedSession = null;
  var lastSent = null;
  var bannerTimer = null;
  var confirmTimer = null;

  function loadSocketIo() {
    if (ioPromise) {
      return ioPromise;
    }
    ioPromise = new Promise(function (resolve, reject) {
      var hadIo = Object.prototype.hasOwnProperty.call(window, 'io');
      var previous = window.io;
      var tag = document.createElement('script');
      tag.src = new URL(SOCKET_IO_FILE, scriptUrl).href;
      tag.async = true;
      tag.onload = function () {
        var ours = window.io;
        if (hadIo) {
          window.io = previous; // leave the page's own socket.io client alone
        } else {
          try { delete window.io; } catch (e) { window.io = undefined; }
        }
        if (typeof ours === 'function') {
          resolve(ours);
        } else {
          ioPromise = null;
          reject(new Error('socket.io client did not load'));
        }
      };
      tag.onerror = function () {
        ioPromise = null;
        tag.parentNode && tag.parentNode.removeChild(tag);
        reject(new Error('socket.io client could not be fetched'));
      };
      document.head.appendChild(tag);
    });
    return ioPromise;
  }

  function isReady() {
    return connected && confirmed;
  }

  function updateBanner() {
    var text = null;
    if (socket && !connected) {
      if (connectError && !everConnected) {
        text = L('unreachable');
      } else if (everConnected) {
        text = L('offline');
      } else {
        text = L('connecting');
      }
    } else if (!socket && connectError) {
      text = L('unreachable');
    }
    if (text) {
      banner.textContent = text;
      banner.hidden = false;
    } else {
      banner.textContent = '';
      banner.hidden = true;
    }
    updateControls();
  }

  function scheduleBanner() {
    clearTimeout(bannerTimer);
    // Do not flash "Connecting…" for a connection that succeeds at once.
    bannerTimer = setTimeout(updateBanner, everConnected ? 0 : 800);
  }

  function updateControls() {
    input.disabled = !accepted;
    sendButton.disabled = !accepted || !isReady();
    restartButton.disabled = false;
    input.setAttribute('placeholder', accepted ? L('placeholder') : L('placeholderLocked'));
  }

  // A socket stays in the room of every session it asked for, and replies carry no session id;
  // so switching to another session takes a fresh connection (which then asks for the new one).
  function switchSession() {
    if (!socket) {
      return;
    }
    confirmed = false;
    if (connected) {
      socket.disconnect();
      socket.connect();
    }
  }

  function requestSession() {
    if (!socket || !connected) {
      return;
    }
    confirmed = false;
    // The secret proves that this browser owns the session: without it (or with another one) the
    // server gives a new session instead of the old one's replies (bot/channels/socketio.py).
    socket.emit('session_request', { session_id: session, session_secret: secret });
    clearTimeout(confirmTimer);
    // Rasa always confirms; should a server not, go on after a short wait.
    confirmTimer = setTimeout(function () { onConfirmed(); }, 3000);
  }

  function onConfirmed(granted) {
    clearTimeout(confirmTimer);
    if (confirmed) {
      return;
    }
    if (typeof granted === 'string' && VALID_ID.test(granted) && granted !== session) {
      // The server did not give this browser its stored session (another browser owns it, or
      // the server forgot it): go on in the session it gave, and drop the transcript of the old one.
      session = granted;
      storage.set(KEYS.session, session);
      transcript = emptyTranscript(session);
      storage.remove(KEYS.transcript);
      renderAll();
    }
    confirmed = true;
    updateBanner();
    maybeGreet();
  }

  function connect() {
    if (socket) {
      return;
    }
    scheduleBanner();
    loadSocketIo().then(function (io) {
      if (socket) {
        return;
      }
      connectError = false;
      // io() would take a path in the URL for a socket.io namespace; a server behind a proxy
      // path (https://host/rasa) has its endpoint at that path + /socket.io instead.
      var server = new URL(config.server);
      socket = io(server.origin, {
        path: server.pathname.replace(/\/+$/, '') + '/socket.io',
        transports: ['websocket'], // Rasa's socket.io server sends no CORS headers for polling
        reconnection: true,
        reconnectionAttempts: Infinity,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 10000,
        timeout: 20000
      });
      socket.on('connect', function () {
        connected = true;
        everConnected = true;
        connectError = false;
        clearTimeout(bannerTimer);
        updateBanner();
        requestSession();
      });
      socket.on('disconnect', function (reason) {
        connected = false;
        confirmed = false;
        clearTimeout(confirmTimer);
        setTyping(false);
        if (reason !== 'io client disconnect') {
          scheduleBanner(); // not for our own reconnect in switchSession
        }
        if (reason === 'io server disconnect') {
          socket.connect(); // the server closed us; socket.io does not retry that by itself
        }
      });
      socket.on('connect_error', function () {
        connected = false;
        connectError = true;
        scheduleBanner();
      });
      socket.on('session_confirm', onConfirmed);
      socket.on('bot_uttered', onBotUttered);
      socket.on('bot_error', onBotError);
      updateBanner();
    }, function () {
      connectError = true;
      updateBanner();
    });
  }

  function emitUserMessage(text, displayText) {
    if (!isReady() || typeof text !== 'string' || !text.trim()) {
      return false;
    }
    // The secret proves later that a delete request comes from this browser; the server keeps
    // only its hash (bot/privacy.py).
    socket.emit('user_uttered', {
      message: text,
      session_id: session,
      // language_chosen: whether the visitor picked the language; an untouched picker is only a
      // default, and a clear message in another language is answered in that language (docs/nlu.md).
      metadata: { language: lang, language_chosen: storage.get(KEYS.language) === lang, session_secret: secret }
    });
    transcript.turn += 1;
    transcript.turns[transcript.turn] = displayText === null ? 'system' : 'user';
    awaitingUntil = Date.now() + REPLY_WAIT_MS;
    if (displayText !== null) {
      lastSent = displayText;
      addMessage({ id: newId(), role: 'user', text: displayText, ts: new Date().toISOString(), turn: transcript.turn });
    } else {
      saveTranscript();
    }
    setTyping(true);
    return true;
  }

  function maybeGreet() {
    if (!accepted || !isReady() || transcript.messages.length || greetedSession === session || !config.initPayload) {
      return;
    }
    greetedSession = session;
    emitUserMessage(config.initPayload, null);
  }

  function onBotUttered(data) {
    if (!data || typeof data !== 'object') {
      return;
    }
    // Messages of a live handoff (a staff member writes, joins or leaves) come unasked.
    var person = data.from_person && typeof data.from_person.label === 'string' ? data.from_person.label : null;
    if (Date.now() > awaitingUntil && !person && data.handoff !== true) {
      return; // a reply to another tab of this session; it arrives here through storage
    }
    var text = typeof data.text === 'string' ? data.text : '';
    if (!text && data.attachment && data.attachment.payload && typeof data.attachment.payload.src === 'string') {
      text = data.attachment.payload.src; // an image: shown as its (autolinked) address
    }
    var quick = [];
    var sources = Array.isArray(data.quick_replies) ? data.quick_replies : (Array.isArray(data.buttons) ? data.buttons : []);
    sources.forEach(function (reply) {
      if (reply && typeof reply.title === 'string' && typeof reply.payload === 'string') {
        quick.push({ title: reply.title, payload: reply.payload });
      }
    });
    if (!text && !quick.length) {
      return;
    }
    setTyping(false);
    var message = { id: newId(), role: 'bot', text: text, ts: new Date().toISOString(), turn: transcript.turn };
    if (quick.length) {
      message.quick = quick;
    }
    if (person) {
      message.person = person;
    }
    if (data.handoff === true) {
      message.handoff = true;
    }
    addMessage(message);
    announce((person || L('assistant')) + ': ' + plainText(text) + (quick.length ? ' ' + quick.map(function (q) { return q.title; }).join(', ') : ''));
    if (panel.hidden) {
      setUnread(true);
    }
  }

  function onBotError(data) {
    if (Date.now() > awaitingUntil) {
      return;
    }
    setTyping(false);
    var code = data && data.code;
    showNotice(code === 'message_too_long' ? L('errorTooLong', { max: formatNumber(MAX_CHARS) }) : L('errorGeneric'), 'error');
    if (lastSent && !input.value) {
      input.value = lastSent; // give the refused text back so it is not lost
      updateCounter();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Actions
  // ---------------------------------------------------------------------------------------

  var limitAnnounced = false;

  function updateCounter() {
    var length = input.value.length;
    counter.textContent = formatNumber(length) + ' / ' + formatNumber(MAX_CHARS);
    var atLimit = length >= MAX_CHARS;
    counter.classList.toggle('aa-counter-full', atLimit);
    if (atLimit && !limitAnnounced) {
      limitAnnounced = true;
      announce(L('limitReached', { max: formatNumber(MAX_CHARS) }));
    } else if (!atLimit) {
      limitAnnounced = false;
    }
    autoGrow();
  }

  function autoGrow() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight + 2, 160) + 'px';
  }

  function submit() {
    var text = input.value;
    if (!accepted || !text.trim()) {
      return;
    }
    if (text.length > MAX_CHARS) {
      text = text.slice(0, MAX_CHARS);
    }
    if (!isReady()) {
      return; // keep the text in the input until the connection is back
    }
    if (emitUserMessage(text, text)) {
      input.value = '';
      updateCounter();
    }
  }

  function rate(turn, rating, group) {
    if (transcript.ratings[turn] === rating) {
      return;
    }
    transcript.ratings[turn] = rating;
    saveTranscript();
    Array.prototype.forEach.call(group.querySelectorAll('button'), function (button) {
      button.setAttribute('aria-pressed', button.getAttribute('data-rating') === rating ? 'true' : 'false');
    });
    announce(L('feedbackThanks'));
    var text = transcript.messages.filter(function (m) {
      return m.role === 'bot' && m.turn === turn;
    }).map(function (m) { return m.text; }).join('\n\n');
    try {
      fetch(ASSET_ORIGIN + '/api/feedback', {
        method: 'POST',
        mode: 'cors',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json', 'X-Session-Secret': secret },
        body: JSON.stringify({ session_id: session, rating: rating, text: text })
      }).catch(function () { /* the endpoint may not exist yet: ignore */ });
    } catch (e) {
      // fetch unavailable: ignore, feedback is optional
    }
  }

  function startOver(announceIt) {
    session = randomHex(16);
    secret = randomHex(32);
    storage.set(KEYS.session, session);
    storage.set(KEYS.secret, secret);
    transcript = emptyTranscript(session);
    storage.remove(KEYS.transcript);
    awaitingUntil = 0;
    lastSent = null;
    setTyping(false);
    renderAll();
    if (announceIt) {
      announce(L('restarted'));
    }
    switchSession(); // the greeting follows the new session's confirmation
  }

  function deleteConversation() {
    if (!window.confirm(L('deleteConfirm'))) {
      return;
    }
    var url = ASSET_ORIGIN + '/api/conversations/' + encodeURIComponent(session) + '/delete';
    deleteButton.disabled = true;
    fetch(url, { method: 'POST', mode: 'cors', credentials: 'omit', headers: { 'X-Session-Secret': secret } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        startOver(false);
        showNotice(L('deleted'));
      })
      .catch(function () {
        showNotice(L('deleteFailed'), 'error');
      })
      .then(function () {
        deleteButton.disabled = false;
      });
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  function stamp(date) {
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' +
      pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  function downloadTranscript() {
    var now = new Date();
    var lines = [L('transcriptHeading', { title: title() }), L('transcriptDownloaded') + ': ' + stamp(now), ''];
    transcript.messages.forEach(function (m) {
      var who = m.role === 'bot' ? L('assistant') : L('you');
      lines.push('[' + stamp(new Date(m.ts)) + '] ' + who + ':');
      lines.push(m.role === 'bot' ? plainText(m.text, true) : m.text);
      lines.push('');
    });
    var blob = new Blob(['\ufeff' + lines.join('\n')], { type: 'text/plain;charset=utf-8' });
    var url = URL.createObjectURL(blob);
    var link = h('a', {
      href: url,
      download: 'aalborg-assistant-' + stamp(now).slice(0, 10) + '.txt',
      className: 'aa-sr-only'
    });
    root.appendChild(link);
    link.click();
    root.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function acceptPrivacy() {
    accepted = true;
    storage.set(KEYS.privacy, new Date().toISOString());
    root.classList.add('aa-accepted');
    updateControls();
    input.focus();
    maybeGreet();
  }

  function openPanel() {
    if (!panel.hidden) {
      return;
    }
    panel.hidden = false;
    root.classList.add('aa-open');
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(false);
    connect();
    scrollToEnd();
    autoGrow();
    (accepted ? input : acceptButton).focus();
  }

  function closePanel() {
    if (panel.hidden) {
      return;
    }
    panel.hidden = true;
    root.classList.remove('aa-open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  // ---------------------------------------------------------------------------------------
  // Events
  // ---------------------------------------------------------------------------------------

  launcher.addEventListener('click', function () {
    if (panel.hidden) {
      openPanel();
    } else {
      closePanel();
    }
  });
  closeButton.addEventListener('click', closePanel);
  root.addEventListener('keydown', function (event) {
    if ((event.key === 'Escape' || event.key === 'Esc') && !panel.hidden) {
      event.stopPropagation();
      closePanel(); // also returns focus to the launcher
    }
  });
  acceptButton.addEventListener('click', acceptPrivacy);
  languageSelect.addEventListener('change', function () {
    setLanguage(languageSelect.value, true);
  });
  restartButton.addEventListener('click', function () {
    startOver(true);
    if (accepted) {
      input.focus();
    }
  });
  downloadButton.addEventListener('click', downloadTranscript);
  deleteButton.addEventListener('click', deleteConversation);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    submit();
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', updateCounter);

  // Another tab of this site changed the conversation: follow it.
  window.addEventListener('storage', function (event) {
    if (event.key === KEYS.session || event.key === KEYS.transcript) {
      var newSession = storage.get(KEYS.session);
      if (newSession && VALID_ID.test(newSession) && newSession !== session) {
        session = newSession;
        secret = storage.get(KEYS.secret) || secret;
        switchSession();
      }
      transcript = loadTranscript(session);
      renderAll();
    } else if (event.key === KEYS.privacy) {
      accepted = !!storage.get(KEYS.privacy);
      root.classList.toggle('aa-accepted', accepted);
      updateControls();
    }
  });

  // ---------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------

  function mount() {
    var stylesheet = h('link', { rel: 'stylesheet', href: new URL('widget.css', scriptUrl).href });
    var shown = false;
    function show() {
      if (!shown) {
        shown = true;
        root.hidden = false; // only once styled, so the page never shows unstyled widget markup
      }
    }
    stylesheet.addEventListener('load', show);
    stylesheet.addEventListener('error', show);
    setTimeout(show, 3000);
    document.head.appendChild(stylesheet);
    root.classList.toggle('aa-accepted', accepted);
    applyLabels();
    updateControls();
    document.body.appendChild(root);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener('DOMContentLoaded', mount);
  }

  // A tiny API for the host page, e.g. an "Ask us" link: aalborgAssistant.open().
  window.aalborgAssistant = {
    version: VERSION,
    open: openPanel,
    close: closePanel
  };
})();
